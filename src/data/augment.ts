/** CIFAR-style data augmentation on NHWC Float32Array batches (pure JS, no tensors). */
import type { Rng } from '../rng/rng.js';

export interface AugmentOptions {
  /** Padding on each side before the random crop (default 4). */
  pad?: number;
  /** Random horizontal flip with probability 1/2 (default true). */
  flip?: boolean;
  /**
   * Per-channel value of the padding (default 0 in every channel). Data normalised per channel
   * has 0 at the channel mean; pass -mean/std to pad with black as torchvision does before
   * normalising.
   */
  fill?: readonly number[];
}

/**
 * Random crop with zero padding + random horizontal flip, per example, of a batch
 * `x` (length n*H*W*C, NHWC, `shape` = [H, W, C]). Returns a new array of the same size; draws
 * from `rng` per example in a fixed order (row offset, column offset, flip), so the result is
 * deterministic in the rng state.
 */
export function augmentBatch(
  x: Float32Array,
  shape: readonly [number, number, number],
  rng: Rng,
  opts: AugmentOptions = {},
): Float32Array {
  const [h, w, c] = shape;
  const size = h * w * c;
  if (x.length % size !== 0) throw new RangeError(`batch length ${x.length} is not a multiple of ${h}x${w}x${c}`);
  const pad = opts.pad ?? 4;
  const flip = opts.flip ?? true;
  const fill = opts.fill ?? new Array<number>(c).fill(0);
  if (fill.length !== c) throw new RangeError(`fill has ${fill.length} values for ${c} channels`);
  const n = x.length / size;
  const out = new Float32Array(x.length);
  for (let e = 0; e < n; e++) {
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const flipped = flip && rng.uniform() < 0.5;
    const base = e * size;
    for (let i = 0; i < h; i++) {
      const si = i + dy;
      for (let j = 0; j < w; j++) {
        // Output column j shows cropped column (w-1-j) when flipped; crop shifts by dx.
        const sj = (flipped ? w - 1 - j : j) + dx;
        const o = base + (i * w + j) * c;
        if (si < 0 || si >= h || sj < 0 || sj >= w) {
          for (let k = 0; k < c; k++) out[o + k] = fill[k];
        } else {
          const s = base + (si * w + sj) * c;
          for (let k = 0; k < c; k++) out[o + k] = x[s + k];
        }
      }
    }
  }
  return out;
}
