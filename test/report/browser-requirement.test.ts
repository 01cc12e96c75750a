/**
 * The browser test on a machine without Chromium (hidden here by an empty PATH): skipped with the
 * install line when CI is not set, a failure naming what is missing when CI is set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, inCI, requirement } from '../helpers/requirements.js';
import { runTestFile } from '../helpers/node-test.js';

const BROWSER_TEST = fileURLToPath(new URL('./browser.test.js', import.meta.url));
/** Tests in browser.test.ts, every one of which needs Chromium (page render; interactions). */
const BROWSER_TESTS = 2;

function withoutChromium(ci: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: EMPTY };
  delete env.GC_CHROMIUM;
  if (ci) env.CI = 'true';
  else delete env.CI;
  return env;
}
const EMPTY = mkdtempSync(join(tmpdir(), 'gc-empty-path-'));
test.after(() => rmSync(EMPTY, { recursive: true, force: true }));

test('requirement(): absent outside CI is a skip with the install line; in CI it is required', () => {
  assert.equal(inCI({}), false);
  assert.equal(inCI({ CI: 'false' }), false);
  assert.equal(inCI({ CI: 'true' }), true);
  assert.equal(findOnPath('sh', { PATH: EMPTY }), null);
  assert.equal(findOnPath('node', { PATH: join(process.execPath, '..') }), process.execPath);
  const local = requirement('X', ['x'], 'apt-get install -y x', {});
  assert.match(local.skip as string, /X: not found \(x\); install with: apt-get install -y x/);
  assert.equal(local.missing, null);
  const ci = requirement('X', ['x'], 'apt-get install -y x', { CI: 'true' });
  assert.equal(ci.skip, false);
  assert.match(ci.missing!, /install with: apt-get install -y x \(required because CI is set\)/);
  assert.deepEqual(requirement('X', [], 'i', { CI: 'true' }), { skip: false, missing: null });
});

test('browser test without chromium and without CI: reported as skipped, with the install line', () => {
  const r = runTestFile(BROWSER_TEST, withoutChromium(false));
  assert.equal(r.code, 0, r.out);
  assert.deepEqual([r.pass, r.fail, r.skip], [0, 0, BROWSER_TESTS], r.out);
  assert.match(r.out, /# SKIP headless Chromium: not found \(chromium on PATH\); install with: apt-get install -y chromium/, r.out);
});

test('browser test without chromium with CI set: a failure naming the install line', () => {
  const r = runTestFile(BROWSER_TEST, withoutChromium(true));
  assert.equal(r.code, 1, r.out);
  assert.deepEqual([r.pass, r.fail, r.skip], [0, BROWSER_TESTS, 0], r.out);
  assert.match(r.out, /apt-get install -y chromium \(required because CI is set\)/, r.out);
});
