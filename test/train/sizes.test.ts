import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { RunConfigSchema } from '../../src/config/schema.js';
import type { LoadedDataset } from '../../src/data/registry.js';
import type { Split } from '../../src/data/split.js';
import { ConfigError } from '../../src/errors/errors.js';
import { buildModel } from '../../src/models/build.js';
import { prepareRunData } from '../../src/runner/data-prep.js';
import { sizeIssues } from '../../src/train/sizes.js';
import { Trainer } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/tf.js';

const split = (n: number): Split => ({ x: new Float32Array(n * 4), y: Int32Array.from({ length: n }, (_, i) => i % 2), n, shape: [2, 2, 1] });
const cfg = (over: Record<string, unknown>) =>
  RunConfigSchema.parse({ experiment: 'sizes', model: { arch: 'mlp', widths: [3] }, optimizer: { lr: 0.1 }, train: { batch_size: 4, epochs: 1 }, gc: { examples: 8 }, ...over });
const have = { dataset: 'toy', train: 40, test: 20 };

test('sizeIssues: each size the data cannot supply, with key, value and limit; memory-only batch sizes are free', () => {
  assert.deepEqual(sizeIssues(cfg({}), have), []);
  assert.deepEqual(sizeIssues(cfg({ train: { batch_size: 4, epochs: 1, eval_batch_size: 10_000 }, gc: { examples: 8, batch_size: 999 } }), have), []);
  const paths = (c: ReturnType<typeof cfg>) => sizeIssues(c, have).map((i) => `${i.path}: ${i.message}`);
  assert.deepEqual(paths(cfg({ dataset: { train_size: 41, test_size: 21 } })), [
    'dataset.train_size: 41 exceeds the 40 training examples of toy',
    'dataset.test_size: 21 exceeds the 20 test examples of toy',
  ]);
  assert.deepEqual(paths(cfg({ dataset: { train_size: 6 } })), [
    'gc.examples: 8 exceeds the 6 training examples GC is measured on (dataset.train_size 6)',
  ]);
  // nc_examples only counts when neural collapse is measured (its default, 512, is then checked too).
  assert.deepEqual(paths(cfg({ dataset: { train_size: 20 }, metrics: { nc_examples: 30 } })), []);
  assert.deepEqual(paths(cfg({ dataset: { train_size: 20 }, metrics: { neural_collapse: true } })), [
    'metrics.nc_examples: 512 exceeds the 20 training examples neural collapse is measured on (dataset.train_size 20)',
  ]);
  assert.deepEqual(paths(cfg({ train: { batch_size: 41, epochs: 1 } })), [
    'train.batch_size: 41 exceeds the 40 training examples (all of toy); at most 40',
  ]);
});

test('the library refuses too few examples too (prepareRunData: bad input; a Trainer given too few: a caller bug), never clamping', async () => {
  await useBackend('cpu');
  const ds: LoadedDataset = { name: 'fashion-mnist', numClasses: 2, shape: [2, 2, 1], train: split(40), test: split(20) };
  assert.throws(() => prepareRunData(cfg({ dataset: { train_size: 50 } }), ds), (e: Error) => e instanceof ConfigError && /dataset\.train_size: 50 exceeds the 40/.test(e.message));
  const c = cfg({ gc: { examples: 50 } });
  const model = buildModel(c.model, [2, 2, 1], 2, 0);
  const before = tf.memory().numTensors;
  assert.throws(() => new Trainer(c, model, { train: split(40), test: split(20), classes: 2 }), (e: Error) => /gc\.examples 50 exceeds the 40/.test(e.message));
  model.dispose();
  assert.ok(tf.memory().numTensors <= before);
});
