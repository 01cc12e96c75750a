/**
 * The lr-sweep row of `npm run bench`: gc-run's own Trainer on the first run of
 * configs/lr-sweep.yaml (real Fashion-MNIST subsets, MLP 256-256, batch 32), in a process of its own:
 *   node dist/bench/lr-sweep-worker.js [--backend wasm] [--epochs 5] [--profile]
 * Prints one JSON line (LrSweepResult): median seconds of one epoch (the training steps plus the
 * test loss/accuracy pass, what bench/lr_sweep_torch.py does) and of the exact GC on the run's
 * 256 GC examples (Trainer.measureGc, the trainer's own path), after one warm-up epoch; the lr and
 * sizes used, so the PyTorch script is run on the same. With --profile, also what one training
 * step and one GC dispatch: kernels by name (calls, ms), and the wall time outside kernels.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '#tf';
import { selectBackend, type ConcreteBackend } from '../src/backend/select.js';
import { readConfigFile, validateExperiment } from '../src/config/load.js';
import { expandSweep } from '../src/config/sweep.js';
import { packageRoot } from '../src/data/paths.js';
import { buildModel } from '../src/models/build.js';
import { loadDatasets, prepareRunData, datasetKey } from '../src/runner/data-prep.js';
import { evaluate } from '../src/train/columns/loss-accuracy.js';
import { Trainer } from '../src/train/trainer.js';
import { profileKernels, type KernelProfile } from './kernel-profile.js';

/** What the worker prints. */
export interface LrSweepResult {
  backend: string;
  config: string;
  lr: number;
  widths: number[];
  batch: number;
  train: number;
  test: number;
  evalBatch: number;
  gcExamples: number;
  gcBatch: number;
  epochs: number;
  epochSeconds: number;
  gcSeconds: number;
  gc: number;
  numTensorsGrowth: number;
  profile?: { step: KernelProfile; gc: KernelProfile };
}

export const LR_SWEEP_CONFIG = 'configs/lr-sweep.yaml';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: 'string', default: 'wasm' }, epochs: { type: 'string', default: '5' }, profile: { type: 'boolean', default: false } },
  });
  await selectBackend(values.backend as ConcreteBackend);
  const file = join(packageRoot(), LR_SWEEP_CONFIG);
  const [run] = expandSweep(validateExperiment(readConfigFile(file), file), file);
  const cfg = run.config;
  if (cfg.model.arch !== 'mlp') throw new Error(`${LR_SWEEP_CONFIG}: expected an mlp`);
  const ds = (await loadDatasets([cfg], { dataDir: join(packageRoot(), 'datasets') })).get(datasetKey(cfg))!;
  const data = prepareRunData(cfg, ds);
  const model = buildModel(cfg.model, data.train.shape, data.classes, cfg.seed);
  const trainer = new Trainer(cfg, model, data);
  const infer = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor2D;
  const epoch = async () => {
    await trainer.trainEpoch();
    await evaluate(infer, data.test, cfg.train.eval_batch_size);
  };
  await epoch();
  await trainer.measureGc();
  const tensors0 = tf.memory().numTensors;
  const epochs = Number(values.epochs);
  const ep: number[] = [];
  const gcs: number[] = [];
  let gc = 0;
  for (let e = 0; e < epochs; e++) {
    let t0 = performance.now();
    await epoch();
    ep.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    gc = await trainer.measureGc();
    gcs.push((performance.now() - t0) / 1000);
  }
  const r: LrSweepResult = {
    backend: tf.getBackend(),
    config: LR_SWEEP_CONFIG,
    lr: cfg.optimizer.name === 'polyak' ? cfg.optimizer.lr_max : cfg.optimizer.lr,
    widths: cfg.model.widths,
    batch: cfg.train.batch_size,
    train: data.train.n,
    test: data.test.n,
    evalBatch: cfg.train.eval_batch_size,
    gcExamples: cfg.gc.examples,
    gcBatch: cfg.gc.batch_size,
    epochs,
    epochSeconds: median(ep),
    gcSeconds: median(gcs),
    gc,
    numTensorsGrowth: tf.memory().numTensors - tensors0,
  };
  if (values.profile) {
    // Kernels of one whole training epoch (per step: divide by stepsPerEpoch) and of one exact GC.
    const step = await profileKernels(() => trainer.trainEpoch(), trainer.batchesPerEpoch);
    const gcProfile = await profileKernels(() => trainer.measureGc(), 1);
    r.profile = { step, gc: gcProfile };
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}

await main();
