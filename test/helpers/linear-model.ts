import * as tf from '#tf';
import { Rng } from '../../src/rng/rng.js';

/** Float32-representable standard normals from `rng`, as plain numbers (float64 oracles use them too). */
export const randn = (rng: Rng, n: number) => Array.from({ length: n }, () => Math.fround(rng.normal()));

/**
 * A seeded affine model logits = x·W + b on n examples of d features and c classes, for tests
 * that compare against a float64 closed form: the host values (x [n·d], y [n], w0 [d·c], b0 [c])
 * and the tfjs side (variables W [d, c], B [c], inputs xt [n, 1, d, 1], labels yt [n], forward).
 * The caller disposes W, B, xt, yt.
 */
export function linearModel(seed: number, n: number, d: number, c: number) {
  const rng = new Rng(seed);
  const x = randn(rng, n * d);
  const y = Array.from({ length: n }, (_, i) => i % c);
  const w0 = randn(rng, d * c);
  const b0 = randn(rng, c);
  const W = tf.variable(tf.tensor2d(w0, [d, c]));
  const B = tf.variable(tf.tensor1d(b0));
  const xt = tf.tensor4d(x, [n, 1, d, 1]);
  const yt = tf.tensor1d(y, 'int32');
  const forward = (xi: tf.Tensor) => tf.add(tf.matMul(tf.reshape(xi, [xi.shape[0], d]), W), B) as tf.Tensor2D;
  return { x, y, w0, b0, W, B, xt, yt, forward };
}
