/**
 * The measurements one benchmark cell makes (shared by the worker and the parent's parser).
 */
import * as tf from '#tf';
import { geometricComplexity, jacobianStrategyFor } from '../src/metrics/gc.js';
import { Rng } from '../src/rng/rng.js';
import { buildReferenceModel, INPUT_SHAPE, type ReferenceModel } from './reference-models.js';

/** What a cell reports: training examples/s, or GC seconds, or why the backend is missing. */
export type CellResult =
  | { backend: string; model: ReferenceModel; metric: 'train'; examplesPerS: number; medianStepMs: number; steps: number }
  | { backend: string; model: ReferenceModel; metric: 'gc'; seconds: number; examples: number; batch: number; gc: number }
  | { backend: string; unavailable: string };

/** Exit code meaning "backend cannot be loaded". */
export const EXIT_UNAVAILABLE = 3;

/**
 * Seconds for exact GC of `model` on `examples` Gaussian inputs in batches of `batch`, after one
 * warm-up pass over a single batch (the same shapes, so buffers are allocated before timing).
 */
export async function measureGcSeconds(name: ReferenceModel, examples: number, batch: number, seed = 0): Promise<{ seconds: number; gc: number }> {
  const model = buildReferenceModel(name, seed);
  const rng = Rng.derive(seed, `bench-gc-${name}`);
  const shape = INPUT_SHAPE[name];
  const x = tf.tensor4d(Float32Array.from({ length: examples * shape[0] * shape[1] * shape[2] }, () => rng.normal()), [examples, ...shape]);
  const f = (xi: tf.Tensor) => model.apply(xi, { training: false }) as tf.Tensor2D;
  // The strategy the trainer picks for this kind of model (dense-only → replicate).
  const strategy = jacobianStrategyFor(name === 'mlp' ? 'mlp' : 'cnn');
  try {
    const warm = tf.slice(x, 0, Math.min(batch, examples));
    await geometricComplexity(f, warm, 10, batch, strategy);
    warm.dispose();
    const t0 = performance.now();
    const gc = await geometricComplexity(f, x, 10, batch, strategy);
    return { seconds: (performance.now() - t0) / 1000, gc };
  } finally {
    x.dispose();
    model.dispose();
  }
}
