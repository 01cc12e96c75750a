import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { ModelSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { cdnvShortfall, classDistanceNormalizedVariance } from '../../src/metrics/neural-collapse.js';
import { neuralCollapse } from '../../src/train/model-measures.js';
import type { Split } from '../../src/data/split.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';

test('CDNV: perfectly collapsed embeddings give 0; a hand-computed 1-D case; 3 classes vs E||e||² − ||μ||²', () => {
  // Collapsed: every embedding equals its class mean.
  const means = [[1, 0], [0, 3], [-2, -2]];
  const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 2]);
  const emb = Float64Array.from([...labels].flatMap((c) => means[c]));
  assert.equal(classDistanceNormalizedVariance(emb, labels, 2).cdnv, 0);

  // Class 0 = {0, 2}: μ 1, σ² 1. Class 1 = {5, 7, 9}: μ 7, σ² 8/3. V = (1 + 8/3) / (2·6²).
  const r = classDistanceNormalizedVariance([0, 2, 5, 7, 9], [0, 0, 1, 1, 1], 1);
  assert.ok(relDiff(r.cdnv, (1 + 8 / 3) / 72) < 1e-12, String(r.cdnv));
  assert.deepEqual(r.classes, [0, 1]);

  // Independent route: σ² = E||e||² − ||μ||², means by class-wise sums, pairs averaged.
  const rng = new Rng(4);
  const [n, d] = [60, 5];
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const e = Float64Array.from({ length: n * d }, (_, i) => rng.normal() + (y[Math.floor(i / d)] === (i % d) ? 3 : 0));
  const stats = [0, 1, 2].map((c) => {
    const rows = [...Array(n).keys()].filter((i) => y[i] === c).map((i) => Array.from(e.subarray(i * d, (i + 1) * d)));
    const mu = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
    const ex2 = rows.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0) / rows.length;
    return { mu, v: ex2 - mu.reduce((t, v) => t + v * v, 0) };
  });
  const pair = (a: number, b: number) => (stats[a].v + stats[b].v) / (2 * stats[a].mu.reduce((s, v, j) => s + (v - stats[b].mu[j]) ** 2, 0));
  const expected = (pair(0, 1) + pair(0, 2) + pair(1, 2)) / 3;
  assert.ok(relDiff(classDistanceNormalizedVariance(e, y, d).cdnv, expected) < 1e-10);
  // A subset of classes is the CDNV of those classes alone.
  assert.ok(relDiff(classDistanceNormalizedVariance(e, y, d, [0, 2]).cdnv, pair(0, 2)) < 1e-10);
  assert.throws(() => classDistanceNormalizedVariance(e, y, d, [1]), /at least two classes/);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: embedding GC of an affine embedding is ||W||_F^2 (exact, replicate and replay); CDNV matches the host formula on the model's embeddings; no tensors leak`, async () => {
    await useBackend(backend);
    // Linear hidden layer: embedding e(x) = W1ᵀ x + b1, so its Jacobian is W1ᵀ everywhere.
    const model = buildModel(ModelSchema.parse({ arch: 'mlp', widths: [7], activation: 'linear' }), [4, 3, 1], 4, 5);
    const w1 = await model.layers[1].getWeights()[0].data();
    const expected = Array.from(w1).reduce((s, v) => s + v * v, 0);
    const rng = new Rng(9);
    const n = 24;
    const split: Split = { x: Float32Array.from({ length: n * 12 }, () => rng.normal()), y: Int32Array.from({ length: n }, (_, i) => i % 4), n, shape: [4, 3, 1] };
    const before = tf.memory().numTensors;
    for (const strategy of ['replicate', 'replay'] as const) {
      const r = await neuralCollapse(model, split, { method: 'exact', batchSize: 5, projections: 2, strategy }, () => new Rng(1));
      assert.ok(relDiff(r.embedding_gc, expected) < 1e-5, `${strategy}: ${r.embedding_gc} vs ||W||² ${expected}`);
      assert.equal(r.embedding_dim, 7);
      // Independent: embeddings computed on the host from the weights, then the same CDNV formula.
      const b1 = await model.layers[1].getWeights()[1].data();
      const emb = new Float64Array(n * 7);
      for (let i = 0; i < n; i++) for (let k = 0; k < 7; k++) {
        let s = b1[k];
        for (let j = 0; j < 12; j++) s += split.x[i * 12 + j] * w1[j * 7 + k];
        emb[i * 7 + k] = s;
      }
      assert.ok(relDiff(r.cdnv, classDistanceNormalizedVariance(emb, split.y, 7).cdnv) < 1e-4);
      const sub = await neuralCollapse(model, split, { method: 'exact', batchSize: 5, projections: 2, strategy }, () => new Rng(1), [1, 3]);
      assert.ok(relDiff(sub.cdnv, classDistanceNormalizedVariance(emb, split.y, 7, [1, 3]).cdnv) < 1e-4);
      assert.ok(relDiff(sub.embedding_gc, expected) < 1e-5);
    }
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
}

test('CDNV is never given for data that cannot define it: a class with one example (no variance) or a requested class with none', () => {
  // Class 0 has one example: its σ² would be a false 0 and the CDNV a false value.
  assert.throws(() => classDistanceNormalizedVariance([0, 5, 7], [0, 1, 1], 1), /at least two classes with at least 2 examples each; too few in class 0: 1/);
  // One example per class (metrics.nc_examples = classes): the run used to log cdnv exactly 0.
  assert.throws(() => classDistanceNormalizedVariance([1, 2, 3], [0, 1, 2], 1), RangeError);
  assert.throws(() => classDistanceNormalizedVariance([0, 1, 5, 7], [0, 0, 1, 1], 1, [0, 1, 2]), /class 2: 0/);
  assert.equal(cdnvShortfall([0, 0, 1, 1]), null);
  assert.match(cdnvShortfall([0, 0, 0])!, /got 1 class/);
});
