/**
 * Max-pool ties (issue #21): the gradient of a window with a tied maximum goes to its first
 * maximum in row-major window order, on cpu and wasm (webgpu: test/webgpu/max-pool-ties.test.ts),
 * checked against Jacobians computed by hand on inputs with exact ties.
 */
import { test } from 'node:test';
import * as tf from '#tf';
import { useBackend } from '../helpers/tf.js';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { checkTies } from '../helpers/max-pool-ties.js';

test('max-pool ties on cpu: dx, argmax indexes and GC (replay, replicate, stacked) equal the hand-computed first-maximum Jacobian', async () => {
  await useBackend('cpu');
  await checkTies('cpu');
});

test('max-pool ties on wasm (our SIMD kernels, the stacked mask): the same hand-computed Jacobian', async () => {
  await useBackend('wasm');
  registerWasmKernels();
  const before = tf.memory().numTensors;
  await checkTies('wasm');
  if (tf.memory().numTensors !== before) throw new Error(`tensors leaked: ${tf.memory().numTensors - before}`);
});
