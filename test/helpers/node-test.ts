import { spawnSync } from 'node:child_process';

/**
 * Runs one compiled test file in a child `node --test` (TAP output) with `env` as its whole
 * environment (the parent runner's NODE_TEST_CONTEXT removed, so the child reports on its own stdout).
 * Returns the exit code, the TAP text and the pass/fail/skip counts of its closing lines.
 */
export function runTestFile(file: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000) {
  const clean = { ...env };
  delete clean.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { env: clean, encoding: 'utf8', timeout: timeoutMs });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const count = (k: string) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
  return { code: r.status, out, pass: count('pass'), fail: count('fail'), skip: count('skipped') };
}
