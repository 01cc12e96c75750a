import * as tf from '@tensorflow/tfjs';
import { vjps } from './vjp.js';

/** A model's logits as a function of its input: [B, ...inputShape] → [B, classes]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor2D;

/**
 * How the C backward passes of an exact Jacobian are organised (same numbers either way):
 * - `replay`: one forward pass over the batch, then one backward pass per class with cotangent
 *   e_k on every row (see vjp.ts). Cheapest when the forward pass is expensive (convnets).
 * - `replicate`: the batch is replicated once per class ([C·B, ...]) and replica k
 *   back-propagates only logit k: one forward and one backward pass over C·B rows. Fewer, larger
 *   kernel calls: faster for cheap models (MLPs), at C times the activation memory.
 */
export type JacobianStrategy = 'replay' | 'replicate';

/**
 * Per-example squared Frobenius norm of the input Jacobian of the logits, exactly. Valid because
 * `f` treats examples independently (inference mode: batch norm uses running statistics).
 * Differentiable in the model's weights, so it also serves the explicit GC penalty.
 * @param x [B, ...inputShape]
 * @returns [B]: ||d f(x_b) / d x_b||_F^2 for each example b
 */
export function jacobianSqNorms(f: LogitsFn, x: tf.Tensor, classes: number, strategy: JacobianStrategy = 'replay'): tf.Tensor1D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const size = x.shape.slice(1).reduce((p, q) => p * q, 1);
    if (strategy === 'replicate') {
      const xr = tf.concat(Array.from({ length: classes }, () => x), 0);
      const which = tf.tensor1d(Int32Array.from({ length: classes * b }, (_, i) => Math.floor(i / b)), 'int32');
      const mask = tf.oneHot(which, classes).toFloat();
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), mask)))(xr);
      const perRow = tf.sum(tf.square(tf.reshape(g, [classes * b, size])), 1);
      return tf.sum(tf.reshape(perRow, [classes, b]), 0) as tf.Tensor1D;
    }
    const cotangents = () =>
      Array.from({ length: classes }, (_, k) => tf.tensor2d(Float32Array.from({ length: b * classes }, (_, i) => (i % classes === k ? 1 : 0)), [b, classes]));
    const perClass = vjps(f, x, cotangents, (g) => tf.sum(tf.square(tf.reshape(g, [b, size])), 1));
    return tf.addN(perClass) as tf.Tensor1D;
  });
}

/** The faster strategy for an architecture: replicate for dense-only models, replay otherwise. */
export function jacobianStrategyFor(arch: string): JacobianStrategy {
  return arch === 'mlp' ? 'replicate' : 'replay';
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
  strategy: JacobianStrategy = 'replay',
): Promise<number> {
  const n = examples.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const s = tf.tidy(() => {
      const xb = tf.slice(examples, start, size);
      return tf.sum(jacobianSqNorms(f, xb, classes, strategy));
    });
    total += (await s.data())[0];
    s.dispose();
  }
  return total / n;
}
