import * as tf from '#tf';
import { crossEntropy, sumOfSquares } from '../metrics/classification.js';
import type { LossFn } from '../metrics/loss.js';
import type { PenaltyTerm } from './term.js';

/**
 * Flatness penalty λ·||∇_θ L_batch||²: explicit gradient-norm regularisation, the term that
 * implicit gradient regularisation adds to SGD's modified loss (Barrett & Dherin, 2021), over
 * every trainable parameter, with L_batch the batch's mean loss `loss` (train.loss; without penalties).
 * The inner gradient is taken inside the outer tape, so the step differentiates it again
 * (double backprop); ops tfjs cannot differentiate twice are reported by
 * explainSecondOrderError. The forward is re-run inside the inner gradient (training mode, as
 * for the loss) so that the inner tape is self-contained.
 */
export function flatnessTerm(lambda: number, loss: LossFn = crossEntropy): PenaltyTerm {
  return {
    column: 'flatness_penalty',
    key: 'regularizers.flatness',
    lambda,
    secondOrder: true,
    value: ({ params, x, y, forward }) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => loss(forward(x), y), params.all);
        return sumOfSquares(params.all.map((p) => grads[p.name]));
      }),
  };
}
