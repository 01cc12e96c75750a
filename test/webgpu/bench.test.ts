/**
 * The webgpu tier, benchmark side: `npm run bench` measures webgpu on a real GPU adapter only (a
 * CPU fallback such as llvmpipe is reported as not loaded), and measures it when --backends names
 * webgpu (the worker's --allow-fallback), reading every step's loss asynchronously.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CellResult } from '../../bench/cells.js';
import { loadWebgpu, webgpuRequirement } from '../helpers/webgpu.js';

const req = await webgpuRequirement();
before(() => assert.equal(req.missing, null, req.missing ?? ''));
const worker = fileURLToPath(new URL('../../bench/backend-worker.js', import.meta.url));

function cell(extra: string[]): { status: number | null; result: CellResult } {
  const r = spawnSync(process.execPath, [worker, '--backend', 'webgpu', '--model', 'mlp', '--metric', 'train', '--steps', '2', ...extra], { encoding: 'utf8' });
  return { status: r.status, result: JSON.parse(r.stdout.trim().split('\n').pop()!) as CellResult };
}

test('bench worker on webgpu: a CPU fallback adapter is not measured unless asked for; then training is', { skip: req.skip }, async () => {
  const info = await loadWebgpu();
  assert.ok(typeof info !== 'string');
  if (!info.adapter?.fallback) return; // a real GPU: both calls measure, nothing to tell apart here
  const plain = cell([]);
  assert.equal(plain.status, 3);
  assert.ok('unavailable' in plain.result);
  assert.match(plain.result.unavailable, /only a CPU fallback adapter/);
  const asked = cell(['--allow-fallback']);
  assert.equal(asked.status, 0);
  assert.ok('metric' in asked.result && asked.result.metric === 'train');
  assert.ok(asked.result.examplesPerS > 0 && Number.isFinite(asked.result.examplesPerS));
});
