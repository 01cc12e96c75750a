/**
 * GC cost against the number of GC examples (issue 16: it was quadratic, 20 000 examples took
 * 61 s instead of ~1 s): exact GC of the model (MLP 64-48 tanh on 28x28x1 Gaussian
 * inputs, gc-run's default gc.batch_size 32, the trainer's strategy) at a small and a large
 * example count, host examples as the trainer holds them. The ratio of the two times should be
 * close to the ratio of the counts.
 */
import * as tf from '#tf';
import { geometricComplexity, jacobianStrategyFor } from '../src/metrics/gc.js';
import type { HostExamples } from '../src/metrics/examples.js';
import { Rng } from '../src/rng/rng.js';

export type GcScalingResult =
  | { ok: true; backend: string; small: number; large: number; smallSeconds: number; largeSeconds: number }
  | { ok: false; reason: string };

/** The per-example time at `large` may exceed the one at `small` by at most this factor. */
export const GC_SCALING_TARGET = 1.5;

const SHAPE = [28, 28, 1] as const;

function mlp6448(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotNormal({ seed: seed + i + 1 });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [...SHAPE] }),
      tf.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: init(0) }),
      tf.layers.dense({ units: 48, activation: 'tanh', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ],
  });
}

/**
 * Seconds of exact GC at `small` examples (best of 3: it is short, so noise dominates one
 * reading) and at `large` examples (one reading), after a warm-up batch.
 */
export async function measureGcScaling(backend: string, small: number, large: number, batch = 32): Promise<GcScalingResult> {
  const model = mlp6448(0);
  const rng = Rng.derive(0, 'bench-gc-scaling');
  const d = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const all: HostExamples = { x: Float32Array.from({ length: large * d }, () => rng.normal()), n: large, shape: [...SHAPE] };
  const first = (n: number): HostExamples => ({ x: all.x.subarray(0, n * d), n, shape: all.shape });
  const f = (xi: tf.Tensor) => model.apply(xi, { training: false }) as tf.Tensor2D;
  const strategy = jacobianStrategyFor('mlp');
  const time = async (n: number) => {
    const t0 = performance.now();
    await geometricComplexity(f, first(n), 10, batch, strategy);
    return (performance.now() - t0) / 1000;
  };
  try {
    await time(Math.min(batch, small));
    let smallSeconds = Infinity;
    for (let i = 0; i < 3; i++) smallSeconds = Math.min(smallSeconds, await time(small));
    const largeSeconds = await time(large);
    return { ok: true, backend, small, large, smallSeconds, largeSeconds };
  } finally {
    model.dispose();
  }
}

/** "0.092 s (256) -> 5.86 s (20000) = 63.7x for 78.1x the examples" */
export function describeGcScaling(r: Extract<GcScalingResult, { ok: true }>): string {
  const s = (v: number) => (v >= 1 ? v.toFixed(2) : v.toFixed(3));
  return `${s(r.smallSeconds)} s (${r.small}) -> ${s(r.largeSeconds)} s (${r.large}) = ` +
    `${(r.largeSeconds / r.smallSeconds).toFixed(1)}x for ${(r.large / r.small).toFixed(1)}x the examples (${r.backend})`;
}

/** Per-example time at `large` ÷ per-example time at `small` (1 = perfectly linear). */
export function gcScalingFactor(r: Extract<GcScalingResult, { ok: true }>): number {
  return (r.largeSeconds / r.large) / (r.smallSeconds / r.small);
}
