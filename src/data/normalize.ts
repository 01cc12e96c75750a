/**
 * Per-channel standardisation of NHWC image data: x[..., c] <- (x[..., c] - mean[c]) / std[c].
 * Kept separate from the readers so it can be tested and switched off on its own.
 */

/** Per-channel statistics of CIFAR training images scaled to [0, 1] (the commonly used values). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR10_STD = [0.247, 0.2435, 0.2616] as const;
export const CIFAR100_MEAN = [0.5071, 0.4865, 0.4409] as const;
export const CIFAR100_STD = [0.2673, 0.2564, 0.2762] as const;

/**
 * Normalises `x` (NHWC, last axis = `mean.length` channels) IN PLACE and returns it.
 * In place because CIFAR train data is ~600 MB as float32 and a copy would double that.
 */
export function normalizePerChannel(x: Float32Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const c = mean.length;
  if (std.length !== c) throw new RangeError(`mean has ${c} channels but std has ${std.length}`);
  if (x.length % c !== 0) throw new RangeError(`array length ${x.length} is not a multiple of ${c} channels`);
  const inv = std.map((s) => {
    if (!(s > 0)) throw new RangeError(`std must be > 0, got ${s}`);
    return 1 / s;
  });
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) x[i + k] = (x[i + k] - mean[k]) * inv[k];
  }
  return x;
}

/** Per-channel mean and (population) standard deviation of NHWC data with `channels` channels. */
export function channelStats(x: Float32Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < x.length; i += channels) {
    for (let k = 0; k < channels; k++) {
      const v = x[i + k];
      sum[k] += v;
      sq[k] += v * v;
    }
  }
  const m = x.length / channels;
  const mean = Array.from(sum, (s) => s / m);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / m - mean[k] * mean[k])));
  return { mean, std };
}
