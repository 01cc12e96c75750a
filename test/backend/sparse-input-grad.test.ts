import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { sparseInputGradTuning } from '../../src/backend/wasm/tuning.js';
import { Rng } from '../../src/rng/rng.js';

before(setupBackends);
const saved = { ...sparseInputGradTuning };
after(() => Object.assign(sparseInputGradTuning, saved));

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
const explicit = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

/**
 * dy as max-pool un-pooling times a relu mask makes it: per channel at most one non-zero in each
 * 2x2 window, none in a last odd row/column, about half the windows zero.
 */
function pooledDy(shape: number[], seed: number): tf.Tensor {
  const [n, oh, ow, c] = shape;
  const rng = Rng.derive(seed, 'pooled');
  const v = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let pi = 0; pi < Math.floor(oh / 2); pi++) {
      for (let pj = 0; pj < Math.floor(ow / 2); pj++) {
        for (let ch = 0; ch < c; ch++) {
          const x = rng.normal();
          const at = rng.int(4);
          if (x <= 0) continue;
          const i = 2 * pi + (at >> 1), j = 2 * pj + (at & 1);
          v[((b * oh + i) * ow + j) * c + ch] = x;
        }
      }
    }
  }
  return tf.tensor(v, shape);
}

// [N,H,W,Ci], [KH,KW,Co], stride, pad. Odd sizes, Ci 1, 3, 32, Co not a multiple of 4.
const CASES: [number[], number[], number, Pad][] = [
  [[2, 9, 7, 1], [3, 3, 5], 1, 'valid'],
  [[3, 10, 10, 1], [3, 3, 32], 1, 'valid'], // the cnn's first layer
  [[2, 7, 8, 1], [5, 4, 6], 1, 'same'],
  [[1, 6, 9, 1], [2, 6, 3], 1, explicit(1, 0, 2, 1)],
  [[2, 8, 7, 3], [3, 3, 13], 1, 'same'],
  [[3, 9, 6, 3], [3, 3, 7], 1, 'valid'],
  [[2, 9, 11, 5], [2, 4, 7], 1, 'same'],
  [[2, 7, 7, 8], [3, 3, 9], 1, explicit(2, 0, 1, 2)],
  [[2, 13, 13, 32], [3, 3, 64], 1, 'valid'], // the cnn's second layer
  [[2, 8, 9, 48], [3, 3, 19], 1, 'same'], // 32 + 16 channel blocks
  [[2, 9, 5, 3], [3, 3, 6], 2, 'same'], // stride 2: the dense path
];

for (const [xs, [kh, kw, co], s, pad] of CASES) {
  for (const kind of ['dense', 'pooled'] as const) {
    for (const mode of ['auto', 'forced'] as const) {
      const label = `x=${xs} k=${kh}x${kw}x${co} s=${s} pad=${JSON.stringify(pad)} dy=${kind} ${mode}`;
      test(`Conv2DBackpropInput matches cpu (${label})`, async () => {
        sparseInputGradTuning.maxDensity = mode === 'forced' ? 2 : saved.maxDensity;
        sparseInputGradTuning.maxDensity1 = mode === 'forced' ? 2 : saved.maxDensity1;
        await assertMatchesCpu(label, () => {
          const w = randn([kh, kw, xs[3], co], 2, 'w') as tf.Tensor4D;
          const dyShape = tf.conv2d(tf.zeros(xs as [number, number, number, number]) as tf.Tensor4D, w, s, pad).shape;
          const dy = kind === 'dense' ? randn(dyShape, 3, 'dy') : pooledDy(dyShape, 3);
          return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w },
            { strides: [s, s], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: xs } as unknown as tf.NamedAttrMap) as tf.Tensor;
        });
      });
    }
  }
}

test('an all-zero dy gives a zero dx', async () => {
  await tf.setBackend('wasm');
  sparseInputGradTuning.maxDensity = saved.maxDensity;
  const dx = tf.tidy(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.zeros([2, 5, 5, 6]), filter: randn([3, 3, 4, 6], 1, 'w') },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [2, 7, 7, 4] } as unknown as tf.NamedAttrMap) as tf.Tensor);
  assert.ok((dx.dataSync() as Float32Array).every((x) => x === 0));
  dx.dispose();
});
