import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { filterGradTuning } from '../../src/backend/wasm/tuning.js';

before(setupBackends);

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
const explicit = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

// [N,H,W,Ci], [KH,KW,Co], stride, pad. Odd sizes, Cin 1 and 3, Co not a multiple of 4 or 8.
const CASES: [number[], number[], number, Pad][] = [
  [[1, 5, 7, 1], [3, 3, 5], 1, 'same'],
  [[3, 9, 6, 3], [3, 3, 13], 1, 'valid'],
  [[2, 8, 7, 3], [3, 3, 16], 1, 'same'],
  [[2, 6, 9, 5], [2, 4, 7], 1, 'same'],
  [[4, 7, 7, 8], [3, 3, 8], 1, explicit(2, 0, 1, 3)],
  [[2, 11, 10, 6], [5, 3, 12], 1, explicit(0, 1, 2, 0)],
  [[1, 4, 4, 2], [1, 1, 3], 1, 'valid'],
  [[2, 8, 8, 32], [3, 3, 64], 1, 'valid'],
  [[2, 9, 7, 3], [3, 3, 64], 1, 'same'], // Winograd with Cin padded to 4
  [[2, 9, 5, 3], [3, 3, 6], 2, 'same'], // stride 2: the previous path
];

for (const [xs, [kh, kw, co], s, pad] of CASES) {
  const label = `x=${xs} k=${kh}x${kw}x${co} s=${s} pad=${JSON.stringify(pad)}`;
  test(`Conv2DBackpropFilter matches cpu (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const x = randn(xs, 1, 'x') as tf.Tensor4D;
      const w = randn([kh, kw, xs[3], co], 2, 'w') as tf.Tensor4D;
      const r = randn(tf.conv2d(x, w, s, pad).shape, 3, 'r');
      // tf.grad of conv2d w.r.t. the filter runs Conv2DBackpropFilter(x, dy = r).
      const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, s, pad), r)))(w);
      const direct = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: r },
        { strides: [s, s], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [dw, direct];
    });
  });
}

test('cache blocking does not change the result (block of one pixel row vs whole images)', async () => {
  await tf.setBackend('wasm');
  const saved = filterGradTuning.blockPixels;
  const run = () => tf.tidy(() => {
    const x = randn([2, 9, 7, 4], 1, 'x') as tf.Tensor4D;
    const w = randn([3, 3, 4, 9], 2, 'w') as tf.Tensor4D;
    const r = randn([2, 9, 7, 9], 3, 'r');
    return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, 'same'), r)))(w).dataSync();
  });
  try {
    filterGradTuning.blockPixels = 1;
    const a = run();
    filterGradTuning.blockPixels = 1e9;
    const b = run();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `element ${i}`);
  } finally {
    filterGradTuning.blockPixels = saved;
  }
});

test('Winograd path matches the direct kernel (partial tile chunks, odd output sizes, a resblock-sized reduction)', async () => {
  await tf.setBackend('wasm');
  const saved = { ...filterGradTuning };
  const cases: [number[], number, Pad, number][] = [
    [[3, 10, 9, 8], 16, 'same', 5], // 3*3*3 tiles in chunks of 5: a partial last chunk
    [[2, 11, 13, 4], 8, 'valid', 64],
    [[8, 32, 32, 64], 64, 'same', 64], // 8192 pixels per output (measured error 1.3e-5)
    [[8, 32, 32, 3], 64, 'same', 64], // the resblock stem: Cin 3 padded to 4 in the transform
    [[3, 7, 9, 5], 64, 'valid', 5], // Cin 5 padded to 8, a partial last chunk
  ];
  const before = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  try {
    for (const [xs, co, pad, tiles] of cases) {
      const x = randn(xs, 1, 'x') as tf.Tensor4D;
      const w = tf.zeros([3, 3, xs[3], co]) as tf.Tensor4D;
      const dy = tf.tidy(() => randn(tf.conv2d(x, w, 1, pad).shape, 3, 'r'));
      const run = (winograd: boolean) => {
        Object.assign(filterGradTuning, { winograd, winogradTiles: tiles });
        const t = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
          { strides: [1, 1], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const v = t.dataSync() as Float32Array;
        t.dispose();
        return v;
      };
      const a = run(true), b = run(false);
      let num = 0, den = 0;
      for (let i = 0; i < a.length; i++) {
        num = Math.max(num, Math.abs(a[i] - b[i]));
        den = Math.max(den, Math.abs(b[i]));
      }
      assert.ok(num / den <= 1e-4, `x=${xs} co=${co} ${pad}: relative error ${num / den}`);
      tf.dispose([x, w, dy]);
    }
  } finally {
    Object.assign(filterGradTuning, saved);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.backend().numDataIds(), dataIds);
});
