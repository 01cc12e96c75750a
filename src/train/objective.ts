import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema.js';
import { crossEntropy, sumOfSquares } from '../metrics/classification.js';
import { flatnessTerm } from '../regularizers/flatness.js';
import { gcPenaltyTerm } from '../regularizers/gc-penalty.js';
import { spectralTerm, type SpectralNorms } from '../regularizers/spectral.js';

/** The model's parameters, split the way penalties need them. */
export interface Params {
  /** Every trainable variable, in model order. */
  all: tf.Variable[];
  /** Dense and conv kernels (matrices / 4-D filters). */
  kernels: tf.Variable[];
}

/** What a penalty term may look at during one training step. */
export interface StepContext {
  params: Params;
  /** [B, ...inputShape] */
  x: tf.Tensor;
  /** [B] int32 */
  y: tf.Tensor1D;
  /** The training-mode forward the loss uses: [B, ...inputShape] → logits [B, C]. */
  forward: (x: tf.Tensor) => tf.Tensor2D;
  /** Training-mode logits [B, C]. */
  logits: tf.Tensor2D;
  /** Mean cross-entropy of the batch (scalar). */
  ce: tf.Scalar;
}

/** One regulariser added to the loss: λ·value. `value` must be differentiable in the params. */
export interface PenaltyTerm {
  /** CSV column holding the unweighted value (e.g. `l2_penalty`). */
  column: string;
  /** Config key of λ (e.g. `regularizers.weight_decay`), for messages. */
  key: string;
  lambda: number;
  /** Whether the value differentiates a backward pass (the step then needs second derivatives). */
  secondOrder?: boolean;
  value(ctx: StepContext): tf.Scalar;
}

/** L2 weight decay: (λ/2)·||θ||², over kernels only unless biases are included. */
export function weightDecayTerm(cfg: RunConfig): PenaltyTerm {
  const includeAll = cfg.regularizers.weight_decay_biases;
  return {
    column: 'l2_penalty',
    key: 'regularizers.weight_decay',
    lambda: cfg.regularizers.weight_decay,
    value: ({ params }) => tf.tidy(() => tf.mul(0.5, sumOfSquares(includeAll ? params.all : params.kernels))),
  };
}

/**
 * The penalty terms of a run config, always all listed (λ = 0 terms are skipped in the
 * objective) so CSV columns are stable across a sweep. `spectral` holds the trainer's
 * power-iteration state.
 */
export function penaltyTerms(cfg: RunConfig, spectral: SpectralNorms): PenaltyTerm[] {
  return [weightDecayTerm(cfg), spectralTerm(cfg, spectral), flatnessTerm(cfg), gcPenaltyTerm(cfg)];
}

/**
 * Builds the scalar objective for one step: CE + Σ λ_i·P_i, and reports the parts.
 * @returns total (scalar, differentiable), ce (scalar), logits [B, C], and each term's value
 */
export function objective(
  terms: PenaltyTerm[],
  ctxBase: Omit<StepContext, 'logits' | 'ce' | 'forward'>,
  forward: (x: tf.Tensor) => tf.Tensor2D,
): { total: tf.Scalar; ce: tf.Scalar; logits: tf.Tensor2D; values: tf.Scalar[] } {
  const logits = forward(ctxBase.x);
  const ce = crossEntropy(logits, ctxBase.y);
  const ctx: StepContext = { ...ctxBase, forward, logits, ce };
  const values = terms.map((t) => (t.lambda > 0 ? t.value(ctx) : tf.scalar(0)));
  let total = ce;
  terms.forEach((t, i) => {
    if (t.lambda > 0) total = tf.add(total, tf.mul(t.lambda, values[i]));
  });
  return { total, ce, logits, values };
}
