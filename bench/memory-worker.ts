/**
 * Leak check for `npm run bench`: trains one real run in-process with the Trainer (MLP on a
 * Fashion-MNIST subset, exact GC every few epochs) and reports tf.memory().numTensors and RSS
 * after the first and the last epoch, as one JSON line:
 *   node --expose-gc dist/bench/memory-worker.js [--epochs 20] [--train-size 2000] [--backend wasm]
 * With --expose-gc, a full JS garbage collection runs before each RSS reading, so RSS shows
 * retained memory rather than garbage not yet collected.
 */
import { parseArgs } from 'node:util';
import * as tf from '#tf';
import { selectBackend, type ConcreteBackend } from '../src/backend/select.js';
import { RunConfigSchema } from '../src/config/schema.js';
import { buildModel } from '../src/models/build.js';
import { loadDatasets, prepareRunData } from '../src/runner/data-prep.js';
import { Trainer } from '../src/train/trainer.js';
import type { MemoryResult } from './targets.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '20' },
      'train-size': { type: 'string', default: '2000' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  const epochs = Number(values.epochs);
  const backend = values.backend as ConcreteBackend;
  await selectBackend(backend);
  const cfg = RunConfigSchema.parse({
    experiment: 'bench-memory',
    dataset: { name: 'fashion-mnist', train_size: Number(values['train-size']), test_size: 500 },
    model: { arch: 'mlp', widths: [256, 256] },
    optimizer: { lr: 0.05, momentum: 0.9 },
    train: { batch_size: 32, epochs },
    gc: { examples: 128, batch_size: 32, every: 5 },
    regularizers: { weight_decay: 1e-4 },
  });
  const data = prepareRunData(cfg, (await loadDatasets([cfg], { download: false })).values().next().value!);
  const trainer = new Trainer(cfg, buildModel(cfg.model, data.train.shape, data.classes, cfg.seed), data);
  const collect = (globalThis as { gc?: () => void }).gc;
  // Array buffers are freed some time after the collection that finds them dead, so collect
  // until RSS stops moving (at most ~2 s): readings then show retained memory, not garbage.
  const settle = async () => {
    let rss = process.memoryUsage().rss;
    for (let i = 0; i < 20 && collect; i++) {
      collect();
      await new Promise((r) => setTimeout(r, 100));
      const now = process.memoryUsage().rss;
      if (Math.abs(now - rss) < 2 ** 20) break;
      rss = now;
    }
    return { tensors: tf.memory().numTensors, rss: process.memoryUsage().rss };
  };
  // The full dataset read from disk is garbage now (only the subset is kept): let it go first,
  // so the epoch-1 reading is not inflated by the load.
  await settle();
  let first = { tensors: 0, rss: 0 };
  let last = first;
  for (let e = 1; e <= epochs; e++) {
    await trainer.trainEpoch();
    await trainer.measure();
    if (e === 1) first = await settle();
    if (e === epochs) last = await settle();
  }
  trainer.dispose();
  const r: MemoryResult = { ok: true, epochs, backend, tensorsFirst: first.tensors, tensorsLast: last.tensors, rssFirst: first.rss, rssLast: last.rss };
  process.stdout.write(JSON.stringify(r) + '\n');
}

await main();
