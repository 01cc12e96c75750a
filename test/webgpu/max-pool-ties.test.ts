/**
 * The webgpu tier of the max-pool tie test: tfjs-backend-webgpu routes a tied window's gradient
 * to its LAST maximum; gc-run's kernels (src/backend/webgpu-pool.ts) route it to the first, as
 * cpu and wasm do. Checked against the hand-computed Jacobian (test/helpers/max-pool-ties.ts).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { switchTo, webgpuRequirement } from '../helpers/webgpu.js';
import { checkTies } from '../helpers/max-pool-ties.js';

const req = await webgpuRequirement();
before(() => assert.equal(req.missing, null, req.missing ?? ''));

test('max-pool ties on webgpu: dx, argmax indexes and GC equal the hand-computed first-maximum Jacobian', { skip: req.skip }, async () => {
  await switchTo('webgpu');
  await checkTies('webgpu');
});
