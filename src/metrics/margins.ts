import * as tf from '@tensorflow/tfjs';

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
    const mask = tf.oneHot(labels, c).toFloat();
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
