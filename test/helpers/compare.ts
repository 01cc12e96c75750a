/**
 * Test helpers: run the same seeded computation on the cpu and wasm backends and compare.
 * Not a test file itself (no `.test.` in the name).
 */
import assert from 'node:assert/strict';
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { registerSecondOrderGradients } from '../../src/regularizers/second-order.js';
import { Rng } from '../../src/rng/rng.js';

/** Selects wasm (registering our kernels) once. */
export async function setupBackends(): Promise<void> {
  await tf.setBackend('wasm');
  registerWasmKernels();
  // As the trainer does: the second-order tests differentiate conv and max-pool gradients.
  registerSecondOrderGradients();
}

/** A seeded standard-normal tensor of `shape`. */
export function randn(shape: number[], seed: number, label: string): tf.Tensor {
  const rng = Rng.derive(seed, label);
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Runs `fn` (which builds its inputs itself) on `backend`, returning the outputs' values. */
export async function runOn(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<{ values: Float32Array; shape: number[] }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const o = fn();
    return Array.isArray(o) ? o : [o];
  });
  const res = outs.map((t) => ({ values: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape }));
  tf.dispose(outs);
  await tf.setBackend('wasm');
  return res;
}

/** Largest |a-b| relative to max(|b|, 1e-3 scale floor). */
export function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-3);
}

/**
 * Asserts `fn` gives the same values on wasm (with our kernels) as on cpu, and that the wasm run
 * leaks neither tensors nor backend buffers.
 */
export async function assertMatchesCpu(what: string, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await runOn('cpu', fn);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const dataIdsBefore = tf.backend().numDataIds();
  const got = await runOn('wasm', fn);
  assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
  assert.equal(tf.backend().numDataIds(), dataIdsBefore, `${what}: wasm buffers leaked`);
  assert.equal(got.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    assert.deepEqual(got[i].shape, ref[i].shape, `${what} output ${i}: shape`);
    const e = relErr(got[i].values, ref[i].values);
    assert.ok(e <= tol, `${what} output ${i}: relative error ${e.toExponential(2)} > ${tol}`);
  }
}
