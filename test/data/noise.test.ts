import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLabelNoise } from '../../src/data/noise.js';
import { Rng } from '../../src/rng/rng.js';

const cyclicLabels = (n: number, c: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % c);

function randomLabels(n: number, k: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(k));
}

test('replaces exactly round(p*N) positions and nothing else', () => {
  const labels = randomLabels(1001, 10, 1);
  for (const p of [0, 0.1, 0.25, 0.5, 1]) {
    const { labels: out, indices } = applyLabelNoise(labels, 10, p, 3);
    assert.equal(indices.length, Math.round(p * 1001));
    assert.equal(new Set(indices).size, indices.length);
    const chosen = new Set(indices);
    for (let i = 0; i < labels.length; i++) {
      assert.ok(out[i] >= 0 && out[i] < 10);
      if (!chosen.has(i)) assert.equal(out[i], labels[i]);
    }
    for (let i = 1; i < indices.length; i++) assert.ok(indices[i] > indices[i - 1]);
  }
});

test('deterministic per seed, different across seeds; inputs and other splits untouched', () => {
  const train = randomLabels(500, 10, 2);
  const test = randomLabels(100, 10, 9);
  const trainCopy = train.slice();
  const testCopy = test.slice();
  const a = applyLabelNoise(train, 10, 0.2, 11);
  const b = applyLabelNoise(train, 10, 0.2, 11);
  const c = applyLabelNoise(train, 10, 0.2, 12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.indices, c.indices);
  assert.notDeepEqual(a.labels, c.labels);
  assert.deepEqual(train, trainCopy);
  assert.deepEqual(test, testCopy);
  assert.notEqual(a.labels, train);
});

test('label noise flips exactly round(p·N) labels, each to a different class', () => {
  for (const [n, p] of [[1000, 0.2], [999, 0.333], [50, 1], [10, 0], [7, 0.5]] as const) {
    const y = cyclicLabels(n, 10);
    const r = applyLabelNoise(y, 10, p, 4);
    const changed = y.reduce((s, v, i) => s + (r.labels[i] !== v ? 1 : 0), 0);
    assert.equal(changed, Math.round(p * n), `n=${n} p=${p}`);
    assert.equal(r.changed, changed);
    assert.equal(r.indices.length, changed);
    r.indices.forEach((i) => assert.notEqual(r.labels[i], y[i]));
    assert.ok(r.labels.every((v) => v >= 0 && v < 10));
  }
  // Two classes: a flip is the other class.
  const y2 = cyclicLabels(100, 2);
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

test('rejects p outside [0, 1]', () => {
  assert.throws(() => applyLabelNoise(new Int32Array(3), 10, 1.1, 0), RangeError);
  assert.throws(() => applyLabelNoise(new Int32Array(3), 10, -0.1, 0), RangeError);
});
