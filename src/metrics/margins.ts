import * as tf from '#tf';

/**
 * Per-example classification margins f_y(x) − max_{j≠y} f_j(x) (positive = correctly
 * classified with that much room; the quantity of margin-based generalisation bounds).
 * @param logits [B, C] (C ≥ 2)
 * @param labels [B] int32
 * @returns [B]
 */
export function margins(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const c = logits.shape[1];
    const mask = tf.cast(tf.oneHot(labels, c), 'float32');
    const own = tf.sum(tf.mul(logits, mask), 1);
    // The true class pushed to -inf-like so the max runs over the others only.
    const others = tf.max(tf.sub(logits, tf.mul(mask, 1e30)), 1);
    return tf.sub(own, others) as tf.Tensor1D;
  });
}

/** Summary of a set of margins. */
export interface MarginStats {
  mean: number;
  std: number;
  min: number;
  /** 10th percentile (the low tail that margin bounds weigh). */
  p10: number;
  median: number;
  max: number;
  /** Fraction of examples with margin ≤ 0 (misclassified or tied). */
  nonpositive: number;
}

/** Quantile q of ascending `sorted` by linear interpolation between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Statistics of `values` (float64 accumulation; std is the population standard deviation). */
export function marginStats(values: ArrayLike<number>): MarginStats {
  const n = values.length;
  if (n === 0) throw new RangeError('marginStats: no values');
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  let nonpos = 0;
  for (const v of sorted) {
    sq += (v - mean) ** 2;
    if (v <= 0) nonpos++;
  }
  return {
    mean,
    std: Math.sqrt(sq / n),
    min: sorted[0],
    p10: quantile(sorted, 0.1),
    median: quantile(sorted, 0.5),
    max: sorted[n - 1],
    nonpositive: nonpos / n,
  };
}

/**
 * The logit-scale columns measured with GC on the same examples: mean margin, mean |margin|,
 * mean squared logit norm, and margin-normalised GC.
 */
export interface MarginColumns {
  /** mean_x (f_y(x) − max_{j≠y} f_j(x)) */
  margin_mean: number;
  /** mean_x |f_y(x) − max_{j≠y} f_j(x)|: the scale gc_margin divides by (squared). */
  margin_abs_mean: number;
  /** mean_x ||f(x)||² */
  logit_sq: number;
  /** GC / margin_abs_mean² (see marginNormalizedGc). */
  gc_margin: number;
}

/** Names of the MarginColumns, in metrics.csv order (declared with the run folder's columns). */
export { MARGIN_COLUMNS } from '../results/columns.js';

/**
 * Margin-normalised GC: GC / s² with s = mean_x |margin(x)| over the GC examples.
 *
 * Why this statistic: margin bounds (Bartlett et al. 2017; Munn, Dherin & Gonzalvo 2024 for GC)
 * divide a Lipschitz-type complexity by a margin scale γ²; GC is quadratic in the logits, so any
 * statistic that is positive-homogeneous of degree 1 in them makes the ratio invariant to the
 * logit scale (logits × c leaves it unchanged), which is the escape route it must close. The mean
 * |margin| is that, and unlike the alternatives it is positive and stable wherever it is measured:
 * the mean margin is negative at initialisation, and a low quantile (the bound's γ) is ≈ 0 at
 * exactly the comparison point of 90% train accuracy. Once every example is classified correctly
 * it equals the mean margin. Returns NaN when s = 0 (all margins tied: no scale to divide by).
 */
export function marginNormalizedGc(gc: number, marginAbsMean: number): number {
  return marginAbsMean > 0 ? gc / (marginAbsMean * marginAbsMean) : NaN;
}

/**
 * Sums over a batch for MarginColumns: [Σ margin, Σ |margin|, Σ ||z||²].
 * @param logits [B, C]
 * @param labels [B] int32
 * @returns [3]
 */
export function marginSums(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const m = margins(logits, labels);
    return tf.stack([tf.sum(m), tf.sum(tf.abs(m)), tf.sum(tf.square(logits))]) as tf.Tensor1D;
  });
}

/** MarginColumns from the batch sums of marginSums over n examples and the GC of the same examples. */
export function marginColumns(sums: ArrayLike<number>, n: number, gc: number): MarginColumns {
  const margin_abs_mean = sums[1] / n;
  return { margin_mean: sums[0] / n, margin_abs_mean, logit_sq: sums[2] / n, gc_margin: marginNormalizedGc(gc, margin_abs_mean) };
}
