/**
 * When a run has diverged: a fixed rule, no config knob, so every sweep judges runs alike.
 *
 * A run is diverged at the first epoch whose row shows any of:
 *  1. a non-finite loss, GC or squared weight norm (NaN, ±Infinity; float32 overflow of ||θ||²);
 *  2. a training loss above LOSS_BLOWUP_FACTOR × the epoch-0 loss (the test loss of the model at
 *     initialisation, the only loss measured before training). SGD that trains never multiplies
 *     its starting cross-entropy (≈ ln C) by 100; a step size that overshoots does within epochs;
 *  3. GC exactly 0 while ||θ||² exceeds WEIGHT_BLOWUP_FACTOR × its epoch-0 value: every ReLU is
 *     dead because the weights exploded, so the network is constant and GC = 0 says nothing about
 *     the function's smoothness (reporting it as a measurement would average a zero into the sweep).
 */

/** A training loss above this multiple of the epoch-0 loss is a blow-up. */
export const LOSS_BLOWUP_FACTOR = 100;
/** GC = 0 with ||θ||² above this multiple of its epoch-0 value is a collapse from exploded weights. */
export const WEIGHT_BLOWUP_FACTOR = 100;

/** The values of one metrics row the rule looks at (null = not measured that epoch). */
export interface DivergenceRow {
  epoch: number;
  train_loss: number | null;
  test_loss: number;
  gc: number | null;
  weight_norm_sq: number;
}

/** Epoch-0 values the later epochs are compared with. */
export interface DivergenceBaseline {
  /** Test loss at epoch 0 (initialisation). */
  loss: number;
  /** ||θ||² at epoch 0. */
  weight_norm_sq: number;
}

/** The baseline an epoch-0 row sets. */
export function baselineOf(row: DivergenceRow): DivergenceBaseline {
  return { loss: row.test_loss, weight_norm_sq: row.weight_norm_sq };
}

/**
 * Why `row` shows divergence, or null when it does not. `baseline` is the epoch-0 values
 * (null when unknown, e.g. at epoch 0 itself: then only rule 1 applies).
 */
export function divergenceReason(row: DivergenceRow, baseline: DivergenceBaseline | null): string | null {
  const e = row.epoch;
  const values: [string, number | null][] = [
    ['train loss', row.train_loss],
    ['test loss', row.test_loss],
    ['GC', row.gc],
    ['squared weight norm', row.weight_norm_sq],
  ];
  for (const [name, v] of values) {
    if (v !== null && !Number.isFinite(v)) return `non-finite ${name} (${v}) at epoch ${e}`;
  }
  if (!baseline) return null;
  const lossBound = LOSS_BLOWUP_FACTOR * baseline.loss;
  if (row.train_loss !== null && Number.isFinite(lossBound) && row.train_loss > lossBound) {
    return (
      `train loss ${fmt(row.train_loss)} at epoch ${e} exceeds ${LOSS_BLOWUP_FACTOR}x ` +
      `the epoch-0 loss ${fmt(baseline.loss)} (loss blow-up)`
    );
  }
  const weightBound = WEIGHT_BLOWUP_FACTOR * baseline.weight_norm_sq;
  if (row.gc === 0 && row.weight_norm_sq > weightBound) {
    return (
      `GC collapsed to 0 at epoch ${e} with squared weight norm ${fmt(row.weight_norm_sq)}, over ` +
      `${WEIGHT_BLOWUP_FACTOR}x its epoch-0 value ${fmt(baseline.weight_norm_sq)} (exploded weights, dead units)`
    );
  }
  return null;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
