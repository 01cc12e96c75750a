import { test, before } from 'node:test';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';

before(setupBackends);

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
// [x shape, [KH, KW], Cout, stride, pad]: Cin 1-4, Cout not multiples of 4 or 8 (lane tails),
// odd sizes, rows shorter than the 4-pixel block, same/valid/explicit padding, strides 1 and 2.
const CASES: [number[], [number, number], number, number | [number, number], Pad][] = [
  [[2, 9, 11, 1], [3, 3], 7, 1, 'valid'],
  [[3, 13, 10, 3], [3, 3], 13, 1, 'same'],
  [[1, 7, 5, 2], [5, 5], 3, 1, 'same'],
  [[2, 6, 17, 4], [3, 3], 3, 1, 'same'],
  [[2, 8, 9, 3], [2, 4], 9, 1, [[0, 0], [2, 0], [1, 3], [0, 0]]],
  [[1, 11, 12, 1], [3, 3], 32, 2, 'same'],
  [[2, 9, 13, 3], [7, 7], 20, [2, 1], 'valid'],
  [[2, 5, 3, 4], [1, 1], 17, 1, 'valid'],
  [[1, 3, 3, 2], [3, 3], 8, 1, 2],
  [[2, 10, 14, 3], [3, 3], 16, 1, 'same'],
];

for (const [xs, [kh, kw], co, strides, pad] of CASES) {
  const label = `x=${xs} k=${kh}x${kw} co=${co} s=${strides} pad=${JSON.stringify(pad)}`;
  test(`small-Cin Conv2D and FusedConv2D (bias, relu) match cpu (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const x = randn(xs, 1, 'x') as tf.Tensor4D;
      const w = randn([kh, kw, xs[3], co], 2, 'w') as tf.Tensor4D;
      const bias = randn([co], 3, 'b') as tf.Tensor1D;
      return [
        tf.conv2d(x, w, strides, pad),
        tf.fused.conv2d({ x, filter: w, strides, pad, bias, activation: 'relu' }),
        tf.fused.conv2d({ x, filter: w, strides, pad, bias }),
        tf.fused.conv2d({ x, filter: w, strides, pad, activation: 'relu' }),
        // Not ours: falls back to stock.
        tf.fused.conv2d({ x, filter: w, strides, pad, bias, activation: 'elu' }),
        tf.conv2d(x, w, strides, pad, 'NHWC', kh > 1 && strides === 1 ? 2 : 1),
      ];
    });
  });
}

test('small-Cin conv gradients (training the first layer) match cpu', async () => {
  await assertMatchesCpu('grads', () => {
    const x = randn([2, 9, 9, 3], 4, 'x') as tf.Tensor4D;
    const w = randn([3, 3, 3, 10], 5, 'w') as tf.Tensor4D;
    const r = randn([2, 9, 9, 10], 6, 'r');
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), r)))([x, w]);
    return [dx, dw];
  });
});
