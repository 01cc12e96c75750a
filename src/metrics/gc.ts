import * as tf from '@tensorflow/tfjs';
import { vjps } from './vjp.js';

/** A model's logits as a function of its input: [B, ...inputShape] → [B, classes]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor2D;

/**
 * Per-example squared Frobenius norm of the input Jacobian of the logits, exactly.
 *
 * One forward pass over the batch, then one backward pass per class k with cotangent e_k on
 * every row: row b of that gradient is d f_k(x_b)/dx_b, so C backward passes give all C·B
 * Jacobian rows (see vjp.ts; the forward is not repeated per class). Valid because `f` treats
 * examples independently (inference mode: batch norm uses running statistics). Differentiable
 * in the model's weights, so it also serves the explicit GC penalty.
 * @param x [B, ...inputShape]
 * @returns [B]: ||d f(x_b) / d x_b||_F^2 for each example b
 */
export function jacobianSqNorms(f: LogitsFn, x: tf.Tensor, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const size = x.shape.slice(1).reduce((p, q) => p * q, 1);
    const cotangents = () =>
      Array.from({ length: classes }, (_, k) => tf.tensor2d(Float32Array.from({ length: b * classes }, (_, i) => (i % classes === k ? 1 : 0)), [b, classes]));
    const perClass = vjps(f, x, cotangents, (g) => tf.sum(tf.square(tf.reshape(g, [b, size])), 1));
    return tf.addN(perClass) as tf.Tensor1D;
  });
}

/**
 * Geometric complexity GC = (1/N) Σ_x ||d f(x)/dx||_F^2 over `examples`, in batches of
 * `batchSize` (bounding memory: one forward pass of batchSize examples is kept for the C backward passes).
 * @param examples [N, ...inputShape]
 */
export async function geometricComplexity(
  f: LogitsFn,
  examples: tf.Tensor,
  classes: number,
  batchSize: number,
): Promise<number> {
  const n = examples.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const s = tf.tidy(() => {
      const xb = tf.slice(examples, start, size);
      return tf.sum(jacobianSqNorms(f, xb, classes));
    });
    total += (await s.data())[0];
    s.dispose();
  }
  return total / n;
}
