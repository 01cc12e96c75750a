import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { blockRepeats } from '../../src/backend/wasm/tile.js';
import { leadingAxes } from '../../src/backend/wasm/reduce.js';
import { mergeAxes } from '../../src/backend/wasm/transpose.js';

before(setupBackends);

test('registerWasmKernels is idempotent and keeps our kernels registered', () => {
  assert.deepEqual(registerWasmKernels(), []);
  for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'Tile']) assert.ok(tf.getKernel(k, 'wasm'), k);
  assert.ok(tf.getGradient('Conv2DBackpropFilter'));
  assert.ok(tf.getGradient('MaxPoolGrad'));
});

test('blockRepeats and leadingAxes recognise only the fast-path cases', () => {
  assert.equal(blockRepeats([1, 1, 1, 5], [2, 3, 4, 1]), 24);
  assert.equal(blockRepeats([2, 5], [3, 1]), 3);
  assert.equal(blockRepeats([2, 5], [1, 3]), 0);
  assert.equal(blockRepeats([2, 5], [1, 1]), 1);
  assert.equal(leadingAxes([0, 1, 2], 4), 3);
  assert.equal(leadingAxes([-4, 1], 4), 2);
  assert.equal(leadingAxes([1, 2], 4), 0);
  assert.equal(leadingAxes([0, 1, 2, 3], 4), 0);
});

// [N,H,W,Ci], [KH,KW,Co], stride, pad — odd sizes, strides 1/2, valid/same, 1x1 projection.
const CONV_CASES: [number[], number[], number, 'valid' | 'same'][] = [
  [[2, 7, 9, 3], [3, 3, 4], 1, 'valid'],
  [[3, 8, 6, 2], [3, 3, 5], 1, 'same'],
  [[2, 9, 7, 3], [3, 3, 4], 2, 'same'],
  [[2, 8, 8, 3], [3, 3, 4], 2, 'same'],
  [[2, 6, 9, 2], [3, 3, 3], 2, 'valid'],
  [[2, 8, 7, 4], [1, 1, 6], 2, 'same'],
  [[1, 5, 5, 2], [2, 3, 3], 1, 'same'],
  // Ci=1 (filter gradient as one matmul over a patch matrix), strides 1/2; 1x1 and even kernels.
  [[3, 9, 8, 1], [3, 3, 6], 1, 'valid'],
  [[2, 5, 6, 2], [1, 1, 7], 1, 'same'],
  [[2, 6, 7, 2], [2, 2, 5], 1, 'same'],
  [[2, 7, 5, 1], [4, 2, 3], 1, 'same'],
  [[2, 9, 8, 1], [3, 3, 4], 2, 'same'],
  [[3, 8, 9, 1], [2, 3, 2], 2, 'valid'],
  // Ci=1 input gradient (SIMD over Co): whole vectors (Co=32), vectors plus a tail (Co=9).
  [[2, 11, 13, 1], [3, 3, 32], 1, 'valid'],
  [[2, 10, 7, 1], [3, 3, 9], 1, 'same'],
  [[1, 9, 10, 1], [3, 2, 9], 2, 'same'],
];

for (const [xs, [kh, kw, co], s, pad] of CONV_CASES) {
  const label = `x=${xs} k=${kh}x${kw}x${co} s=${s} ${pad}`;
  test(`Conv2DBackpropFilter/Input match cpu (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const x = randn(xs, 1, 'x');
      const w = randn([kh, kw, xs[3], co], 2, 'w');
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad);
      const r = randn(y.shape, 3, 'r');
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), r)));
      return g([x, w]);
    });
  });
}

test('BatchMatMul and _FusedMatMul with transposes match cpu', async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    await assertMatchesCpu(`matMul ta=${ta} tb=${tb}`, () => {
      const a = randn(ta ? [13, 7] : [7, 13], 4, 'a');
      const b = randn(tb ? [5, 13] : [13, 5], 5, 'b');
      const a3 = randn(ta ? [3, 9, 6] : [3, 6, 9], 6, 'a3');
      const b3 = randn(tb ? [3, 4, 9] : [3, 9, 4], 7, 'b3');
      const bias = randn([5], 8, 'bias');
      return [
        tf.matMul(a, b, ta, tb),
        tf.matMul(a3, b3, ta, tb),
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: ta, transposeB: tb, bias, activation: 'relu' }),
      ];
    });
  }
});

test('Sum, Mean and Tile match cpu', async () => {
  await assertMatchesCpu('reductions', () => {
    const x = randn([5, 7, 6, 33], 9, 'x');
    const v = randn([1, 1, 1, 33], 10, 'v');
    return [
      tf.sum(x, [0, 1, 2]),
      tf.mean(x, [0, 1, 2], true),
      tf.sum(x, 0),
      tf.mean(x, [0, 1]),
      tf.sum(x, [1, 2]),
      tf.sum(tf.reshape(x, [5 * 7 * 6, 33]), 0),
      tf.tile(v, [5, 7, 6, 1]),
      tf.tile(x, [1, 2, 1, 2]),
    ];
  });
});

test('MaxPoolGrad gradient is the adjoint of max-pool routing', async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = randn([2, 6, 7, 3], 11, 'x') as tf.Tensor4D;
    const dy0 = randn([2, 3, 3, 3], 12, 'dy');
    const ddx = randn(x.shape, 13, 'ddx');
    // g(dy) = <ddx, d maxPool(x)/dx applied to dy> is linear in dy, so grad_dy g . dy == g(dy).
    const g = (dy: tf.Tensor) => tf.sum(tf.mul(ddx, tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'), dy)))(x)));
    const gradDy = tf.grad(g)(dy0);
    const lhs = tf.sum(tf.mul(gradDy, dy0)).dataSync()[0];
    const rhs = g(dy0).dataSync()[0];
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(rhs)), `${lhs} vs ${rhs}`);
  });
  assert.equal(tf.memory().numTensors, before);
});

test('MaxPoolGrad and MaxPoolWithArgmax match cpu, negative windows included', async () => {
  for (const [xs, f, s, pad] of [[[2, 6, 7, 3], 2, 2, 'valid'], [[2, 5, 5, 2], 3, 2, 'same'], [[1, 7, 6, 4], 3, 1, 'valid']] as const) {
    await assertMatchesCpu(`maxPool ${xs} f${f} s${s} ${pad}`, () => {
      const x = randn([...xs], 14, 'x');
      const { result, indexes } = tf.maxPoolWithArgmax(x as tf.Tensor4D, f, s, pad, true);
      const dx = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, f, s, pad), randn(result.shape, 15, 'r'))))(x);
      return [result, tf.cast(indexes, 'float32'), dx];
    }, 1e-6);
  }
});

test('MaxPoolGrad 2x2 stride-2 fast path matches cpu: ties go to the first maximum, odd sizes, same padding', async () => {
  for (const [xs, pad] of [[[2, 6, 8, 5], 'valid'], [[2, 7, 5, 3], 'valid'], [[1, 8, 6, 2], 'same'], [[1, 5, 7, 2], 'same']] as const) {
    await assertMatchesCpu(`maxPoolGrad 2x2 ${xs} ${pad}`, () => {
      // Values in {-1, 0, 1} make ties within a window common.
      const x = tf.round(tf.clipByValue(randn([...xs], 16, 'x'), -1, 1));
      const out = tf.maxPool(x as tf.Tensor4D, 2, 2, pad);
      const r = randn(out.shape, 17, 'r');
      return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, pad), r)))(x);
    }, 1e-6);
  }
});

test('mergeAxes reduces permutations to their merged form', () => {
  assert.deepEqual(mergeAxes([4, 5, 6, 7], [3, 1, 2, 0]), { shape: [4, 30, 7], perm: [2, 1, 0] });
  assert.deepEqual(mergeAxes([4, 5, 6, 7], [1, 2, 0, 3]), { shape: [4, 30, 7], perm: [1, 0, 2] });
  assert.deepEqual(mergeAxes([4, 1, 6, 7], [0, 1, 3, 2]), { shape: [4, 6, 7], perm: [0, 2, 1] });
  assert.deepEqual(mergeAxes([4, 5, 6], [0, 1, 2]), { shape: [120], perm: [0] });
});

test('Transpose fast paths match cpu (float32 and int32, odd sizes)', async () => {
  await assertMatchesCpu('transpose', () => {
    const x = randn([19, 5, 7, 37], 18, 'x');
    const xi = tf.cast(tf.mul(x, 100), 'int32');
    const outs = [[3, 1, 2, 0], [1, 2, 0, 3], [0, 1, 3, 2], [3, 2, 1, 0], [2, 0, 1, 3]].map((p) => tf.transpose(x, p));
    return [...outs, tf.transpose(tf.reshape(x, [95, 259])), tf.cast(tf.transpose(xi, [3, 1, 2, 0]), 'float32'), tf.cast(tf.transpose(xi, [1, 2, 0, 3]), 'float32')];
  }, 0);
});
