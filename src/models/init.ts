import * as tf from '#tf';
import type { InitConfig } from '../config/schema.js';
import { Rng } from '../rng/rng.js';

/** Fan-in and fan-out of a dense kernel [in, out] or conv kernel [kh, kw, in, out]. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}

/** Standard deviation of a truncated (±2σ) standard normal, as Keras corrects for it. */
export const TRUNC_STD = 0.8796256610342398;

/**
 * Draws a kernel with a Keras-style variance-scaling scheme from `rng`, times `init.scale`.
 * Normal schemes use a ±2σ truncated normal rescaled to the target std (as Keras does);
 * uniform schemes use U(-a, a) with a = sqrt(3)·std.
 * @returns a Float32Array of prod(shape) values, row-major.
 */
export function drawKernel(shape: readonly number[], init: InitConfig, rng: Rng): Float32Array {
  const { fanIn, fanOut } = fans(shape);
  const [family, dist] = init.scheme.split('_') as ['he' | 'glorot' | 'lecun', 'normal' | 'uniform'];
  const variance = family === 'he' ? 2 / fanIn : family === 'lecun' ? 1 / fanIn : 2 / (fanIn + fanOut);
  const std = Math.sqrt(variance);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (dist === 'normal') {
    for (let i = 0; i < n; i++) out[i] = ((rng.truncatedNormal() * std) / TRUNC_STD) * init.scale;
  } else {
    const a = Math.sqrt(3) * std;
    for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * a * init.scale;
  }
  return out;
}

/**
 * Re-initialises every weight of `model` from `seed`: kernels by the scheme (× scale), biases
 * and BN beta / moving mean to 0, BN gamma / moving variance to 1. One RNG stream per weight
 * (derived from its position), so adding a layer does not reshuffle the others' draws.
 */
export function initializeWeights(model: tf.LayersModel, init: InitConfig, seed: number): void {
  const weights = model.weights;
  const values = weights.map((w, i) => {
    const name = w.originalName.split('/').pop() ?? '';
    if (name === 'kernel' || name === 'depthwise_kernel') {
      return tf.tensor(drawKernel(w.shape as number[], init, Rng.derive(seed, `init:${i}`)), w.shape as number[]);
    }
    const fill = name === 'gamma' || name === 'moving_variance' ? 1 : 0;
    return tf.fill(w.shape as number[], fill);
  });
  model.setWeights(values);
  tf.dispose(values);
}
