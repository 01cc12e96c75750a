import * as tf from '@tensorflow/tfjs';

/** A model's logits as a function of its input: [B, ...inputShape] → [B, classes]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor2D;

/**
 * Per-example squared Frobenius norm of the input Jacobian of the logits, exactly.
 *
 * Instead of one backward pass per class, the batch is replicated once per class
 * ([C·B, ...]) and replica k back-propagates only logit k, so one forward and one backward
 * pass give all C·B Jacobian rows. Valid because `f` treats examples independently (inference
 * mode: batch norm uses running statistics). Differentiable in the model's weights, so it
 * also serves the explicit GC penalty.
 * @param x [B, ...inputShape]
 * @returns [B]: ||d f(x_b) / d x_b||_F^2 for each example b
 */
export function jacobianSqNorms(f: LogitsFn, x: tf.Tensor, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const rest = x.shape.slice(1);
    const xr = tf.concat(Array.from({ length: classes }, () => x), 0);
    const which = tf.tensor1d(
      Int32Array.from({ length: classes * b }, (_, i) => Math.floor(i / b)),
      'int32',
    );
    const mask = tf.oneHot(which, classes).toFloat();
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), mask)))(xr);
    const perRow = tf.sum(tf.square(g.reshape([classes * b, rest.reduce((p, q) => p * q, 1)])), 1);
    return tf.sum(perRow.reshape([classes, b]), 0) as tf.Tensor1D;
  });
}

/**
 * Geometric complexity GC = (1/N) Σ_x ||d f(x)/dx||_F^2 over `examples`, in batches of
 * `batchSize` (bounding memory: each pass holds classes × batchSize input copies).
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
