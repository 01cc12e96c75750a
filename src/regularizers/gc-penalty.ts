import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema.js';
import { jacobianSqNorms, jacobianStrategyFor } from '../metrics/gc.js';
import type { PenaltyTerm } from '../train/objective.js';

/**
 * Explicit geometric-complexity penalty λ·GC(batch), GC(batch) = mean over the batch of
 * ||d logits(x)/dx||_F² (exact, via jacobianSqNorms with the faster strategy for the
 * architecture), differentiated in the weights (gradients of input gradients).
 *
 * The logits come from the same training-mode forward as the loss. For the mlp and cnn archs
 * the training and inference forwards coincide, so this is the paper's GC of the model as
 * evaluated. With batch norm in training mode each example's Jacobian also picks up
 * cross-example terms through the batch statistics: an approximation of the per-example GC.
 */
export function gcPenaltyTerm(cfg: RunConfig): PenaltyTerm {
  const strategy = jacobianStrategyFor(cfg.model.arch);
  return {
    column: 'gc_penalty',
    key: 'regularizers.gc',
    lambda: cfg.regularizers.gc,
    secondOrder: true,
    value: ({ x, forward, logits }) => tf.tidy(() => tf.mean(jacobianSqNorms(forward, x, logits.shape[1], strategy)) as tf.Scalar),
  };
}
