import * as tf from '#tf';
import { sumOfSquares } from '../metrics/classification.js';
import type { PenaltyTerm } from './term.js';

/**
 * L2 weight decay: (λ/2)·||θ||², over kernels only unless `includeBiases` (config
 * `regularizers.weight_decay_biases`) adds every trainable variable.
 */
export function weightDecayTerm(lambda: number, includeBiases = false): PenaltyTerm {
  return {
    column: 'l2_penalty',
    key: 'regularizers.weight_decay',
    lambda,
    value: ({ params }) => tf.tidy(() => tf.mul(0.5, sumOfSquares(includeBiases ? params.all : params.kernels))),
  };
}
