import type * as tf from '#tf';
import type { PenaltyColumn } from '../results/columns.js';

/**
 * The contract every penalty implements and the training loop (src/train/objective.ts) sums:
 * a penalty is built from its λ (and what else it needs), never from the whole run config.
 */

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
  /** Mean loss of the batch, by train.loss (scalar). */
  loss: tf.Scalar;
}

/** One regulariser added to the loss: λ·value. `value` must be differentiable in the params. */
export interface PenaltyTerm {
  /** CSV column holding the unweighted value (e.g. `l2_penalty`). */
  column: PenaltyColumn;
  /** Config key of λ (e.g. `regularizers.weight_decay`), for messages. */
  key: string;
  lambda: number;
  /** Whether the value differentiates a backward pass (the step then needs second derivatives). */
  secondOrder?: boolean;
  value(ctx: StepContext): tf.Scalar;
}
