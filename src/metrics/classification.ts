import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy. Written with logSoftmax so it is twice differentiable (the
 * flatness and GC penalties differentiate through gradients of it).
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns scalar
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1]).toFloat();
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
  });
}

/**
 * Number of correct argmax predictions.
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns scalar (int32 count as float)
 */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.equal(tf.argMax(logits, 1), labels).toFloat()));
}

/**
 * Sum of squares of the given tensors: ||θ||² over parameters.
 * @returns scalar
 */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
}
