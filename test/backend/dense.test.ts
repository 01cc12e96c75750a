import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertMatchesCpu, randn, relErr, setupBackends } from '../helpers/compare.js';
import { instantiateBuild, ptr, simd, simdBuild, RELAXED_ENV } from '../../src/backend/simd.js';

before(setupBackends);

// Odd sizes: rows not a multiple of the 4-row block, columns not a multiple of the 8-wide panel,
// k from 1 up to past a column chunk (16384 / k floats), plus the MLP shapes themselves.
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [7, 13, 9], [33, 70, 17], [32, 784, 100], [9, 3, 300], [130, 257, 66]];

test('dense GEMM (BatchMatMul, _FusedMatMul) matches cpu: transposes, odd sizes, bias, relu', async () => {
  for (const [m, k, n] of SHAPES) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      await assertMatchesCpu(`${m}x${k}x${n} ta=${ta} tb=${tb}`, () => {
        const a = randn(ta ? [k, m] : [m, k], 1, 'a') as tf.Tensor2D;
        const b = randn(tb ? [n, k] : [k, n], 2, 'b') as tf.Tensor2D;
        const bias = randn([n], 3, 'bias');
        return [
          tf.matMul(a, b, ta, tb),
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }),
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias }),
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, activation: 'relu' }),
        ];
      });
    }
  }
});

test('dense GEMM: batched and broadcast batches, and what it leaves to the stock kernel', async () => {
  await assertMatchesCpu('batches', () => {
    const a = randn([3, 6, 9], 4, 'a3');
    const b = randn([3, 9, 5], 5, 'b3');
    const a1 = randn([1, 6, 9], 6, 'a1');
    const b1 = randn([1, 9, 5], 7, 'b1');
    const a22 = randn([2, 2, 6, 9], 8, 'a22');
    return [
      tf.matMul(a, b),
      tf.matMul(a, b1),
      tf.matMul(a1, b),
      tf.matMul(tf.transpose(a, [0, 2, 1]), b1, true, false),
      tf.matMul(a22, tf.reshape(b1, [9, 5])),
      // A bias of shape [1, n] is still one value per column; other activations go to XNNPACK.
      tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias: randn([1, 5], 9, 'bias2'), activation: 'relu' }),
      tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, activation: 'elu' }),
    ];
  });
});

test('dense layer gradients (both transposed products, relu mask, bias sum) match cpu', async () => {
  await assertMatchesCpu('dense grads', () => {
    const x = randn([37, 29], 10, 'x');
    const w = randn([29, 19], 11, 'w');
    const bias = randn([19], 12, 'bias');
    const r = randn([37, 19], 13, 'r');
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: 'relu' }), r)));
    return g([x, w, bias]);
  });
});

test('relaxed-SIMD build (fused multiply-add) agrees with the baseline build within 1e-5 of the scale', async () => {
  const backend = tf.backend() as BackendWasm;
  const relaxedFile = new URL('../../src/backend/kernels-relaxed.wasm', import.meta.url);
  const baseFile = new URL('../../src/backend/kernels.wasm', import.meta.url);
  let relaxed;
  try {
    relaxed = instantiateBuild(backend, relaxedFile);
  } catch (err) {
    // Engines without relaxed SIMD cannot compile it; then the loader must have picked the baseline.
    assert.equal(simdBuild(), 'baseline', `relaxed build failed to compile (${(err as Error).message}) yet was selected`);
    return;
  }
  assert.equal(relaxed.FUSED_MADD.value, 1);
  const base = instantiateBuild(backend, baseFile);
  assert.equal(base.FUSED_MADD.value, 0);
  if (process.env[RELAXED_ENV] !== '0') assert.equal(simdBuild(), 'relaxed', 'relaxed SIMD validates here but was not selected');
  const [m, k, n] = [45, 300, 70];
  const a = randn([m, k], 20, 'a');
  const b = randn([k, n], 21, 'b');
  const out = tf.zeros([2, m, n]);
  const panels = tf.zeros([((n + 7) & ~7) * k]);
  const run = (kern: typeof base, slot: number) => {
    kern.densePackB(ptr(backend, b), k, n, 0, ptr(backend, panels));
    kern.denseGemm(ptr(backend, a), k, ptr(backend, panels), m, k, n, ptr(backend, out) + slot * m * n * 4, n, 0, 0);
  };
  run(base, 0);
  run(relaxed, 1);
  const v = out.dataSync() as Float32Array;
  const e = relErr(v.subarray(m * n), v.subarray(0, m * n));
  assert.ok(e <= 1e-5, `relaxed vs baseline relative error ${e.toExponential(2)}`);
  assert.ok(simd(backend).FUSED_MADD.value === (simdBuild() === 'relaxed' ? 1 : 0));
  tf.dispose([a, b, out, panels]);
});
