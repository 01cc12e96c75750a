import { test, before } from 'node:test';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';

before(setupBackends);

/** Values in {-1, 0, 1}: ties within a window are common (the first maximum must win). */
function ties(shape: number[], seed: number): tf.Tensor4D {
  return tf.round(tf.clipByValue(randn(shape, seed, 'ties'), -1, 1)) as tf.Tensor4D;
}

test('MaxPool 2x2 stride 2 (SIMD) matches cpu: C multiple of 4 or not, odd sizes, negative windows', async () => {
  for (const xs of [[2, 6, 8, 8], [2, 7, 5, 3], [1, 9, 9, 5], [3, 4, 4, 1], [1, 26, 26, 32]]) {
    await assertMatchesCpu(`maxPool 2x2 ${xs}`, () => [tf.maxPool(randn(xs, 1, 'x') as tf.Tensor4D, 2, 2, 'valid'), tf.maxPool(ties(xs, 2), 2, 2, 'valid')], 0);
  }
});

test('MaxPool with other windows, same padding still match cpu (stock kernel)', async () => {
  await assertMatchesCpu('maxPool 3x3 s2 same', () => tf.maxPool(randn([2, 7, 6, 5], 3, 'x') as tf.Tensor4D, 3, 2, 'same'), 0);
  await assertMatchesCpu('maxPool 2x2 s2 same odd', () => tf.maxPool(randn([1, 5, 7, 6], 4, 'x') as tf.Tensor4D, 2, 2, 'same'), 0);
});

test('MaxPoolGrad (SIMD) matches cpu: 2x2 and general windows, ties, odd sizes, same padding, C % 4 != 0', async () => {
  const cases: [number[], number | [number, number], number | [number, number], 'valid' | 'same'][] = [
    [[2, 6, 8, 8], 2, 2, 'valid'], [[2, 7, 5, 3], 2, 2, 'valid'], [[1, 5, 7, 6], 2, 2, 'same'],
    [[2, 7, 6, 5], 3, 2, 'same'], [[1, 7, 6, 9], 3, 1, 'valid'], [[2, 6, 7, 4], [2, 3], [1, 2], 'same'], [[1, 9, 8, 7], 3, 3, 'valid'],
  ];
  for (const [xs, f, s, pad] of cases) {
    for (const [what, make] of [['random', (sh: number[]) => randn(sh, 5, 'x') as tf.Tensor4D], ['ties', (sh: number[]) => ties(sh, 6)]] as const) {
      await assertMatchesCpu(`maxPoolGrad ${xs} f${f} s${s} ${pad} ${what}`, () => {
        const x = make(xs);
        const r = randn(tf.maxPool(x, f, s, pad).shape, 7, 'r');
        return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, f, s, pad), r)))(x);
      }, 1e-6);
    }
  }
});
