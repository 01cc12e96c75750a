/** Label noise for the paper's noisy-label experiments. */
import { Rng } from '../rng/rng.js';

/**
 * Flips exactly round(p * N) labels: positions drawn uniformly without replacement, each new
 * label drawn uniformly from the OTHER numClasses - 1 classes, so exactly the fraction p (up to
 * rounding) of labels is wrong afterwards (a replacement drawn from all classes would keep the
 * original label 1/numClasses of the time). `changed` always equals `indices.length`.
 * Pure: `labels` is not modified. Deterministic in (labels, numClasses, p, seed).
 * Returns the new labels and the flipped positions (ascending).
 */
export function applyLabelNoise(
  labels: Int32Array,
  numClasses: number,
  p: number,
  seed: number,
): { labels: Int32Array; indices: Int32Array; changed: number } {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`label noise fraction must be in [0, 1], got ${p}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  const n = labels.length;
  const m = Math.round(p * n);
  if (m > 0 && numClasses < 2) throw new RangeError(`label noise needs at least 2 classes, got ${numClasses}`);
  const rng = Rng.derive(seed, 'label-noise');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const indices = order.slice(0, m).sort();
  const out = labels.slice();
  let changed = 0;
  for (const i of indices) {
    // Uniform over the classes other than labels[i]: skip over it.
    const r = rng.int(numClasses - 1);
    out[i] = r >= labels[i] ? r + 1 : r;
    if (out[i] !== labels[i]) changed++;
  }
  return { labels: out, indices, changed };
}
