/**
 * The cheaper FusedBatchNorm / Mean gradients (norm-grads.ts) against tfjs-core's originals on the
 * cpu backend (training-mode moments -> batchNorm, fixed statistics, fallback layouts), and on
 * wasm against cpu.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, relErr, setupBackends } from '../helpers/compare.js';
import { installNormGradients, originalGradient } from '../../src/backend/ops/norm-grads.js';
import { BN_GRAD_SUMS, bnGradSums, MUL_SCALED, mulScaled, originalSquareGradient } from '../../src/backend/ops/bn-fused.js';

test.before(async () => {
  await setupBackends();
  installNormGradients();
});

/** Runs `fn` on cpu with the original gradients registered, then restores ours. */
async function withOriginals<T>(fn: () => T): Promise<T> {
  const ours = ['FusedBatchNorm', 'Mean'].map((n) => tf.getGradient(n)!);
  for (const n of ['FusedBatchNorm', 'Mean'] as const) {
    tf.unregisterGradient(n);
    tf.registerGradient(originalGradient(n)!);
  }
  try {
    return fn();
  } finally {
    for (const g of ours) {
      tf.unregisterGradient(g.kernelName);
      tf.registerGradient(g);
    }
  }
}

/** Loss through training-mode batch norm (moments of x) with every parameter differentiated. */
function trainingLoss(c: number, paramShape: number[]) {
  return (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
    const r = randn([4, 3, 5, c], 7, 'r');
    const { mean, variance } = tf.moments(x, [0, 1, 2], paramShape.length > 1);
    const y = tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
    return tf.sum(tf.mul(tf.relu(y), r));
  };
}

const inputs = (c: number) => [tf.add(tf.mul(randn([4, 3, 5, c], 1, 'x'), 2), 1), tf.add(randn([c], 2, 's'), 1), randn([c], 3, 'o')];

test('FusedBatchNorm/Mean gradients equal the originals on cpu (training mode, [C] stats)', async () => {
  await tf.setBackend('cpu');
  for (const c of [5, 16]) {
    for (const paramShape of [[c]]) {
      const f = trainingLoss(c, paramShape);
      const xs = inputs(c);
      const ours = tf.grads(f)(xs);
      const ref = await withOriginals(() => tf.grads(f)(xs));
      for (let i = 0; i < 3; i++) {
        const e = relErr(ours[i].dataSync() as Float32Array, ref[i].dataSync() as Float32Array);
        assert.ok(e < 1e-4, `C=${c} params ${paramShape} grad ${i}: relative error ${e}`);
      }
      tf.dispose([...ours, ...ref, ...xs]);
    }
  }
  await tf.setBackend('wasm');
});

test('FusedBatchNorm gradient with fixed statistics and second order on cpu', async () => {
  await tf.setBackend('cpu');
  const c = 7;
  const m = randn([c], 4, 'm');
  const v = tf.add(tf.abs(randn([c], 5, 'v')), 0.3);
  const r = randn([2, 3, 3, c], 6, 'r');
  const cases: [string, (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.Tensor][] = [
    ['fixed stats', (x, s, o) => tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, 1e-3), r))],
    ['second order', (x, s, o) => {
      const r2 = randn([2, 3, 3, c], 8, 'r2');
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.batchNorm(z, tf.mean(z, [0, 1, 2]), tf.moments(z, [0, 1, 2]).variance, o, s, 1e-3)), r2)))(x);
      return tf.sum(tf.mul(g, r));
    }],
  ];
  for (const [name, f] of cases) {
    const xs = [randn([2, 3, 3, c], 1, 'x'), tf.add(randn([c], 2, 's'), 1), randn([c], 3, 'o')];
    const ours = tf.grads(f)(xs);
    const ref = await withOriginals(() => tf.grads(f)(xs));
    for (let i = 0; i < ours.length; i++) {
      const e = relErr(ours[i].dataSync() as Float32Array, ref[i].dataSync() as Float32Array);
      assert.ok(e < 1e-4, `${name} grad ${i}: relative error ${e}`);
    }
    tf.dispose([...ours, ...ref, ...xs]);
  }
  // [1,1,1,C] statistics go to the original gradient (tfjs-core's handles only x there).
  const f4 = (x: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(x, tf.reshape(m, [1, 1, 1, c]), tf.reshape(v, [1, 1, 1, c]), tf.zeros([1, 1, 1, c]), tf.ones([1, 1, 1, c]), 1e-3), r));
  const x = randn([2, 3, 3, c], 1, 'x');
  const ours = tf.grad(f4)(x);
  const ref = await withOriginals(() => tf.grad(f4)(x));
  assert.ok(relErr(ours.dataSync() as Float32Array, ref.dataSync() as Float32Array) < 1e-6, '4d stats');
  tf.dispose([m, v, r, x, ours, ref]);
  await tf.setBackend('wasm');
});

test('Mean gradient for int32 input stays float, and broadcasts over middle axes', async () => {
  await tf.setBackend('cpu');
  const gi = tf.grad((x: tf.Tensor) => tf.mean(tf.cast(x, 'float32'), [1, 2]))(randn([2, 3, 4, 5], 1, 'x'));
  assert.equal(gi.dtype, 'float32');
  assert.ok(gi.dataSync().every((g) => Math.abs(g - 1 / 12) < 1e-7));
  gi.dispose();
  await tf.setBackend('wasm');
});

test('training-mode batch-norm gradients on wasm match cpu', async () => {
  for (const c of [5, 16]) {
    const f = trainingLoss(c, [c]);
    await assertMatchesCpu(`bn grads C=${c}`, () => tf.grads(f)(inputs(c)), 1e-4);
  }
});

test('one-pass Relu gradient (GcReluGrad) matches cpu, first and second order, NaN/Inf edges exact', async () => {
  assert.ok(tf.getKernel('GcReluGrad', 'wasm'), 'GcReluGrad registered on wasm');
  assert.equal(tf.getKernel('GcReluGrad', 'cpu'), undefined);
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), randn(x.shape, 2, 'r')));
  await assertMatchesCpu('relu grad', () => tf.grad(f)(randn([3, 5, 7, 3], 1, 'x')), 0);
  // Second order: d/dx of <grad f(x), v> is 0 through relu's piecewise-constant step, but the
  // path through dy must survive (here dy depends on x via a square).
  const g = (x: tf.Tensor) => tf.sum(tf.mul(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.relu(z), tf.square(z))))(x), randn(x.shape, 3, 'v')));
  await assertMatchesCpu('relu grad second order', () => tf.grad(g)(randn([37], 4, 'x')), 1e-6);
  const edge = () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), tf.tensor([1, -2, Infinity, 3, -Infinity, 5, 2]))))(tf.tensor([NaN, 0, 0, 2, -1, -0, 1]));
  await tf.setBackend('cpu');
  const want = Array.from(edge().dataSync());
  await tf.setBackend('wasm');
  assert.deepEqual(Array.from(edge().dataSync()), want);
});

test('GcBnGradSums and GcMulScaled (bn-fused.ts) match cpu on odd shapes', async () => {
  assert.ok(tf.getKernel(BN_GRAD_SUMS, 'wasm') && tf.getKernel(MUL_SCALED, 'wasm'));
  for (const shape of [[3, 5, 7, 13], [2, 9, 64], [130, 8], [1, 1, 3]]) {
    const c = shape[shape.length - 1];
    await assertMatchesCpu(`sums ${shape}`, () => bnGradSums(randn(shape, 1, 'd'), tf.add(randn(shape, 2, 'x'), 3), randn([c], 3, 'm')), 1e-5);
    await assertMatchesCpu(`mulScaled ${shape}`, () => mulScaled(randn(shape, 1, 'a'), randn(shape, 2, 'b'), 2), 0);
  }
});

test('Square gradient equals the original (first and second order) and matches on wasm', async () => {
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), randn(x.shape, 2, 'r')));
  const g = (x: tf.Tensor) => tf.sum(tf.mul(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.square(z)), randn(z.shape, 5, 'w'))))(x), randn(x.shape, 3, 'v')));
  const oursSquare = tf.getGradient('Square')!;
  await tf.setBackend('cpu');
  for (const fn of [f, g]) {
    const x = randn([3, 4, 5], 1, 'x');
    const ours = tf.grad(fn)(x);
    tf.unregisterGradient('Square');
    tf.registerGradient(originalSquareGradient()!);
    const ref = tf.grad(fn)(x);
    tf.unregisterGradient('Square');
    tf.registerGradient(oursSquare);
    assert.ok(relErr(ours.dataSync() as Float32Array, ref.dataSync() as Float32Array) < 1e-6);
    tf.dispose([x, ours, ref]);
  }
  await tf.setBackend('wasm');
  await assertMatchesCpu('square grad', () => tf.grad(f)(randn([3, 4, 5], 1, 'x')), 1e-6);
  await assertMatchesCpu('square grad second order', () => tf.grad(g)(randn([3, 4, 5], 1, 'x')), 1e-5);
});

test('training-mode batch-norm second order on wasm matches cpu (GcBnGradSums gradient)', async () => {
  const c = 13;
  const f = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
    const r2 = randn([3, 4, 5, c], 8, 'r2');
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.batchNorm(z, tf.moments(z, [0, 1, 2]).mean, tf.moments(z, [0, 1, 2]).variance, o, s, 1e-3)), r2)))(x);
    return tf.sum(tf.mul(tf.square(g), randn([3, 4, 5, c], 6, 'r')));
  };
  const xs = () => [tf.add(tf.mul(randn([3, 4, 5, c], 1, 'x'), 2), 1), tf.add(randn([c], 2, 's'), 1), randn([c], 3, 'o')];
  await assertMatchesCpu('bn second order', () => tf.grads(f)(xs()), 1e-3);
});
