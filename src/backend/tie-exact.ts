/**
 * Max-pool ties survive float32 only if equal input patches give bitwise-equal conv outputs.
 * Winograd (our wasm forward conv for Cin ≥ 4) rounds each output pixel by its place in a 4x4
 * tile, so the constant background of an image, an exact tie of the function, became a float32
 * non-tie whose gradient went to whichever pixel rounded highest: measured on the study's CNN
 * (conv 8 → pool → conv 16 → pool), GC off the float64 oracle by 9e-4; with direct convs, 8e-8.
 * GC measurements therefore run their forward convs without Winograd (training keeps it).
 */
import { winogradTuning } from './wasm/tuning.js';

/** Runs `fn` with forward convolutions that round every output pixel alike (no Winograd on wasm). */
export async function withTieExactConvs<T>(fn: () => Promise<T>): Promise<T> {
  const before = winogradTuning.forward;
  winogradTuning.forward = false;
  try {
    return await fn();
  } finally {
    winogradTuning.forward = before;
  }
}
