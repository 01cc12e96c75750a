import * as tf from '#tf';

/**
 * Mean softmax cross-entropy, as mean(logsumexp(z) - z_y). Written with logSumExp, not
 * tf.logSoftmax, so it is correctly twice differentiable (the flatness penalty differentiates
 * its gradient): tf.logSoftmax is a customGrad whose gradient reads its saved output, which the
 * tape does not connect back to the logits, so second derivatives through it come out wrong.
 * (logSumExp's max shift is exact to drop: the result does not depend on it.)
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns scalar
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32');
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(oneHot, logits), 1)));
  });
}

/**
 * Number of correct argmax predictions.
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns scalar (int32 count as float)
 */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
}

/**
 * Sum of squares of the given tensors: ||θ||² over parameters.
 * @returns scalar
 */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
}
