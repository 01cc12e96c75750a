/** Label noise for the paper's noisy-label experiments. */
import { Rng } from '../rng/rng.js';

/**
 * Replaces exactly round(p * N) labels, at positions drawn uniformly without replacement, by a
 * label drawn uniformly from all `numClasses` classes ("uniformly random labels", as in the
 * paper). The replacement MAY equal the original label, so the expected fraction of labels that
 * actually change is p * (1 - 1/numClasses); `changed` reports the realised count.
 * Pure: `labels` is not modified. Deterministic in (labels, numClasses, p, seed).
 * Returns the new labels and the replaced positions (ascending).
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
    out[i] = rng.int(numClasses);
    if (out[i] !== labels[i]) changed++;
  }
  return { labels: out, indices, changed };
}
