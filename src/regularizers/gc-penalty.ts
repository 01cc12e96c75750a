import * as tf from '#tf';
import { jacobianSqNorms, type JacobianStrategy } from '../metrics/gc.js';
import type { PenaltyTerm } from './term.js';

/**
 * Explicit geometric-complexity penalty λ·GC(batch), GC(batch) = mean over the batch of
 * ||d logits(x)/dx||_F² (exact, via jacobianSqNorms with the faster strategy for the
 * architecture), differentiated in the weights (gradients of input gradients).
 *
 * The logits come from the same training-mode forward as the loss. For the mlp and cnn archs
 * the training and inference forwards coincide, so this is the paper's GC of the model as
 * evaluated. `strategy`: jacobianStrategyFor(the model's arch). With batch norm in training mode each example's Jacobian also picks up
 * cross-example terms through the batch statistics: an approximation of the per-example GC.
 */
export function gcPenaltyTerm(lambda: number, strategy: JacobianStrategy): PenaltyTerm {
  return {
    column: 'gc_penalty',
    key: 'regularizers.gc',
    lambda,
    secondOrder: true,
    value: ({ x, forward, logits }) => tf.tidy(() => tf.mean(jacobianSqNorms(forward, x, logits.shape[1], strategy)) as tf.Scalar),
  };
}
