import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';

/** Helpers for tests that run the real gc-run CLI as a child process (scheduler variables stripped). */

export const BIN = join(packageRoot(), 'bin', 'gc-run.js');
const ENV: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
for (const k of ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_STEP', 'JOB_COMPLETION_INDEX', 'GC_SHARD_COUNT']) delete ENV[k];

/** Runs gc-run to completion. */
export function gcRun(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...ENV, ...env } });
}

/** Starts gc-run in the background, collecting stderr; `done` resolves with the exit code/signal. */
export function gcRunAsync(args: string[], cwd: string): { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, done };
}

/** The run folders of an experiment, sorted. */
export function runDirs(out: string, experiment = 'tiny'): string[] {
  const root = join(out, experiment);
  return existsSync(root) ? readdirSync(root).sort().map((d) => join(root, d)) : [];
}

/** metrics.csv data rows (header dropped), as cell arrays. */
export function csvRows(dir: string): string[][] {
  const p = join(dir, 'metrics.csv');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

/** Rows without the wall-clock columns `seconds` and `gc_seconds` (indices 9, 10), for comparing runs. */
export function numbersOnly(rows: string[][]): string[][] {
  return rows.map((r) => r.filter((_, i) => i !== 9 && i !== 10));
}

export function record(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
}

/** Polls `cond` every 20 ms until true or `ms` elapse. */
export async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An in-process command's Io that records what it writes (for commands tests call as functions). */
export function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
