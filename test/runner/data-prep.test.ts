import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunConfigSchema } from '../../src/config/schema.js';
import type { LoadedDataset } from '../../src/data/registry.js';
import { prepareRunData } from '../../src/runner/data-prep.js';

const labels = (n: number, c: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % c);

test('prepareRunData: noise on training labels only (run seed), test labels untouched', () => {
  const split = (n: number, off: number) => ({ x: new Float32Array(n * 4), y: labels(n, 10).map((v) => (v + off) % 10), n, shape: [2, 2, 1] as [number, number, number] });
  const ds: LoadedDataset = { name: 'fashion-mnist', numClasses: 10, shape: [2, 2, 1], train: split(200, 0), test: split(100, 3) };
  const cfg = (seed: number) =>
    RunConfigSchema.parse({ experiment: 'n', seed, dataset: { label_noise: 0.25 }, model: { arch: 'mlp' }, optimizer: { lr: 0.1 }, train: { batch_size: 1, epochs: 1 }, gc: { examples: 16 } });
  const d = prepareRunData(cfg(5), ds);
  assert.equal(d.train.y.reduce((s, v, i) => s + (v !== ds.train.y[i] ? 1 : 0), 0), 50);
  assert.deepEqual(d.test.y, ds.test.y);
  assert.deepEqual(prepareRunData(cfg(5), ds).train.y, d.train.y);
  assert.notDeepEqual(prepareRunData(cfg(6), ds).train.y, d.train.y);
});
