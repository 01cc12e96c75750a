import * as tf from '#tf';
import type { LOSSES } from '../config/schema.js';
import { crossEntropy } from './classification.js';

/** A training loss: logits [B, C] and int32 labels [B] → mean over the batch (scalar). */
export type LossFn = (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;

/**
 * Squared error on one-hot targets, (1/2C)·||z − e_y||² (half the mean over the C classes),
 * averaged over the batch. Its Hessian in the logits is I/C for every example and all through
 * training: the curvature cross-entropy has at a uniform softmax ((I − 11ᵀ/C)/C, equal on the
 * logit differences that matter), which CE then loses as the softmax saturates. So at a given
 * learning rate both losses start equally stable, and only CE can lower its sharpness by growing
 * its logits. (Summed over classes, without the 1/C, the same MLP diverges at lr 0.1 and 0.3.)
 * Built from plain ops, so twice differentiable.
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns scalar
 */
export function meanSquaredError(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32');
    return tf.mul(0.5, tf.mean(tf.square(tf.sub(logits, target))));
  });
}

/** The loss function of `train.loss`. */
export function lossFn(name: (typeof LOSSES)[number]): LossFn {
  return name === 'mse' ? meanSquaredError : crossEntropy;
}
