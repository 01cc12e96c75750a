import * as tf from '#tf';
import type { RunConfig } from '../config/schema.js';
import { lossFn, type LossFn } from '../metrics/loss.js';
import { jacobianStrategyFor } from '../metrics/gc.js';
import { flatnessTerm } from '../regularizers/flatness.js';
import { gcPenaltyTerm } from '../regularizers/gc-penalty.js';
import { spectralTerm, type SpectralNorms } from '../regularizers/spectral.js';
import type { PenaltyTerm, StepContext } from '../regularizers/term.js';
import { weightDecayTerm } from '../regularizers/weight-decay.js';

/**
 * The penalty terms of a run config, always all listed (λ = 0 terms are skipped in the
 * objective) so CSV columns are stable across a sweep. `spectral` holds the trainer's
 * power-iteration state.
 */
export function penaltyTerms(cfg: RunConfig, spectral: SpectralNorms): PenaltyTerm[] {
  const r = cfg.regularizers;
  return [
    weightDecayTerm(r.weight_decay, r.weight_decay_biases),
    spectralTerm(r.spectral, spectral, r.spectral_power_iters),
    flatnessTerm(r.flatness, lossFn(cfg.train.loss)),
    gcPenaltyTerm(r.gc, jacobianStrategyFor(cfg.model.arch)),
  ];
}

/**
 * Builds the scalar objective for one step: L + Σ λ_i·P_i (L the mean batch loss by `loss`),
 * and reports the parts.
 * @returns total (scalar, differentiable), loss (scalar), logits [B, C], and each term's value
 */
export function objective(
  terms: PenaltyTerm[],
  ctxBase: Omit<StepContext, 'logits' | 'loss' | 'forward'>,
  forward: (x: tf.Tensor) => tf.Tensor2D,
  loss: LossFn,
): { total: tf.Scalar; loss: tf.Scalar; logits: tf.Tensor2D; values: tf.Scalar[] } {
  const logits = forward(ctxBase.x);
  const l = loss(logits, ctxBase.y);
  const ctx: StepContext = { ...ctxBase, forward, logits, loss: l };
  const values = terms.map((t) => (t.lambda > 0 ? t.value(ctx) : tf.scalar(0)));
  let total = l;
  terms.forEach((t, i) => {
    if (t.lambda > 0) total = tf.add(total, tf.mul(t.lambda, values[i]));
  });
  return { total, loss: l, logits, values };
}
