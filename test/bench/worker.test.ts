import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { CellResult } from '../../bench/cells.js';

const worker = fileURLToPath(new URL('../../bench/backend-worker.js', import.meta.url));

function cell(args: string[]): CellResult {
  return JSON.parse(execFileSync(process.execPath, [worker, ...args], { encoding: 'utf8' }).trim()) as CellResult;
}

test('backend worker: MLP training throughput on wasm, few steps', () => {
  const r = cell(['--backend', 'wasm', '--model', 'mlp', '--metric', 'train', '--steps', '2']);
  assert.ok('metric' in r && r.metric === 'train');
  assert.equal(r.backend, 'wasm');
  assert.equal(r.steps, 2);
  assert.ok(r.examplesPerS > 0 && Number.isFinite(r.examplesPerS));
  // ex/s is derived from the median step: batch 128 per step.
  assert.ok(Math.abs(r.examplesPerS - 128_000 / r.medianStepMs) < 1e-6 * r.examplesPerS);
});

test('backend worker: MLP exact GC on wasm, small example count', () => {
  const r = cell(['--backend', 'wasm', '--model', 'mlp', '--metric', 'gc', '--gc-examples', '24', '--gc-batch', '8']);
  assert.ok('metric' in r && r.metric === 'gc');
  assert.equal(r.examples, 24);
  assert.equal(r.batch, 8);
  assert.ok(r.seconds > 0);
  assert.ok(r.gc > 0 && Number.isFinite(r.gc));
});

let tfjsNode = true;
try {
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
} catch {
  tfjsNode = false;
}

test('backend worker: a backend that cannot load exits 3 with the reason', { skip: tfjsNode && 'tfjs-node is installed here' }, () => {
  const r = spawnSync(process.execPath, [worker, '--backend', 'tensorflow', '--model', 'mlp'], { encoding: 'utf8' });
  assert.equal(r.status, 3);
  const out = JSON.parse(r.stdout.trim()) as CellResult;
  assert.ok('unavailable' in out);
  assert.match(out.unavailable, /tensorflow.*not installed/);
});

test('backend worker: bad flags exit 2', () => {
  const r = spawnSync(process.execPath, [worker, '--backend', 'nope'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: backend-worker/);
});
