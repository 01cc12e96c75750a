/**
 * The Slurm tier on a machine without Slurm (hidden here by an empty PATH): skipped with the install
 * line when CI is not set, failures naming what is missing when CI is set. No daemon is started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTestFile } from '../helpers/node-test.js';
import { missingSlurm } from './cluster.js';

const ARRAY_TEST = fileURLToPath(new URL('./array.test.js', import.meta.url));
const EMPTY = mkdtempSync(join(tmpdir(), 'gc-empty-path-'));
test.after(() => rmSync(EMPTY, { recursive: true, force: true }));

function withoutSlurm(ci: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: EMPTY };
  if (ci) env.CI = 'true';
  else delete env.CI;
  return env;
}

test('missingSlurm names every absent program', () => {
  assert.deepEqual(missingSlurm({ PATH: EMPTY }).slice(0, 4), ['munged', 'munge', 'slurmctld', 'slurmd']);
});

test('Slurm tier without Slurm and without CI: skipped, with the install line', () => {
  const r = runTestFile(ARRAY_TEST, withoutSlurm(false));
  assert.equal(r.code, 0, r.out);
  assert.deepEqual([r.pass, r.fail, r.skip], [0, 0, 2], r.out);
  assert.match(r.out, /# SKIP a real Slurm cluster: not found \(munged, munge, slurmctld.*install with: apt-get install -y slurm-wlm munge/, r.out);
});

test('Slurm tier without Slurm with CI set: failures naming the install line', () => {
  const r = runTestFile(ARRAY_TEST, withoutSlurm(true));
  assert.equal(r.code, 1, r.out);
  assert.deepEqual([r.pass, r.fail, r.skip], [0, 2, 0], r.out);
  assert.match(r.out, /apt-get install -y slurm-wlm munge.*\(required because CI is set\)/, r.out);
});
