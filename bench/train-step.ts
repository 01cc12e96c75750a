/**
 * Training-throughput measurement for the reference models: SGD on softmax cross-entropy,
 * batch of Gaussian inputs and random labels (as torch_bench.py), median step time.
 */
import * as tf from '#tf';
import { Rng } from '../src/rng/rng.js';
import { buildReferenceModel, INPUT_SHAPE, type ReferenceModel } from './reference-models.js';

/** Result of `measureTraining`: median step milliseconds and examples per second. */
export interface TrainingSpeed {
  model: ReferenceModel;
  batch: number;
  medianStepMs: number;
  examplesPerS: number;
}

/**
 * Times `steps` SGD steps (after `warmup`) of `name` on the current backend. Each step ends with
 * an async read of its loss (webgpu has no synchronous read; on wasm and cpu it costs the same).
 */
export async function measureTraining(name: ReferenceModel, opts: { batch?: number; steps?: number; warmup?: number; seed?: number } = {}): Promise<TrainingSpeed> {
  const batch = opts.batch ?? 128, steps = opts.steps ?? 10, warmup = opts.warmup ?? 2;
  const rng = Rng.derive(opts.seed ?? 0, `bench-${name}`);
  const model = buildReferenceModel(name, opts.seed ?? 0);
  const shape = INPUT_SHAPE[name];
  const xs = new Float32Array(batch * shape[0] * shape[1] * shape[2]).map(() => rng.normal());
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));
  const x = tf.tensor4d(xs, [batch, ...shape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
  const opt = tf.train.sgd(0.01);
  const step = async () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true);
    await loss?.data();
    loss?.dispose();
  };
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  const medianStepMs = times[times.length >> 1];
  return { model: name, batch, medianStepMs, examplesPerS: (batch * 1000) / medianStepMs };
}
