import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunConfigSchema } from '../../src/config/schema.js';
import { applyLabelNoise } from '../../src/data/noise.js';
import type { LoadedDataset } from '../../src/data/registry.js';
import { prepareRunData } from '../../src/train/data-prep.js';

const labels = (n: number, c: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % c);

test('label noise flips exactly round(p·N) labels, each to a different class', () => {
  for (const [n, p] of [[1000, 0.2], [999, 0.333], [50, 1], [10, 0], [7, 0.5]] as const) {
    const y = labels(n, 10);
    const r = applyLabelNoise(y, 10, p, 4);
    const changed = y.reduce((s, v, i) => s + (r.labels[i] !== v ? 1 : 0), 0);
    assert.equal(changed, Math.round(p * n), `n=${n} p=${p}`);
    assert.equal(r.changed, changed);
    assert.equal(r.indices.length, changed);
    r.indices.forEach((i) => assert.notEqual(r.labels[i], y[i]));
    assert.ok(r.labels.every((v) => v >= 0 && v < 10));
  }
  // Two classes: a flip is the other class.
  const y2 = labels(100, 2);
  const r2 = applyLabelNoise(y2, 2, 0.3, 1);
  r2.indices.forEach((i) => assert.equal(r2.labels[i], 1 - y2[i]));
});

test('label noise replacements are uniform over the other classes', () => {
  const y = new Int32Array(20000).fill(3);
  const r = applyLabelNoise(y, 5, 1, 9);
  const counts = [0, 0, 0, 0, 0];
  r.labels.forEach((v) => counts[v]++);
  assert.equal(counts[3], 0);
  // 20000 / 4 = 5000 each; binomial sd ≈ 61, allow 5 sd.
  [0, 1, 2, 4].forEach((k) => assert.ok(Math.abs(counts[k] - 5000) < 310, `class ${k}: ${counts[k]}`));
});

test('label noise is deterministic per seed and differs across seeds; input untouched', () => {
  const y = labels(500, 10);
  const copy = y.slice();
  const a = applyLabelNoise(y, 10, 0.4, 1);
  const b = applyLabelNoise(y, 10, 0.4, 1);
  const c = applyLabelNoise(y, 10, 0.4, 2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.labels, c.labels);
  assert.deepEqual(y, copy);
});

test('prepareRunData: noise on training labels only (run seed), test labels untouched', () => {
  const split = (n: number, off: number) => ({ x: new Float32Array(n * 4), y: labels(n, 10).map((v) => (v + off) % 10), n, shape: [2, 2, 1] as [number, number, number] });
  const ds: LoadedDataset = { name: 'fashion-mnist', numClasses: 10, shape: [2, 2, 1], train: split(200, 0), test: split(100, 3) };
  const cfg = (seed: number) =>
    RunConfigSchema.parse({ experiment: 'n', seed, dataset: { label_noise: 0.25 }, model: { arch: 'mlp' }, optimizer: { lr: 0.1 }, train: { batch_size: 1, epochs: 1 } });
  const d = prepareRunData(cfg(5), ds);
  assert.equal(d.train.y.reduce((s, v, i) => s + (v !== ds.train.y[i] ? 1 : 0), 0), 50);
  assert.deepEqual(d.test.y, ds.test.y);
  assert.deepEqual(prepareRunData(cfg(5), ds).train.y, d.train.y);
  assert.notDeepEqual(prepareRunData(cfg(6), ds).train.y, d.train.y);
});
