import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLabelNoise } from '../../src/data/noise.js';
import { Rng } from '../../src/rng/rng.js';

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
  assert.deepEqual(train, trainCopy);
  assert.deepEqual(test, testCopy);
  assert.notEqual(a.labels, train);
});

test('rejects p outside [0, 1]', () => {
  assert.throws(() => applyLabelNoise(new Int32Array(3), 10, 1.1, 0), RangeError);
  assert.throws(() => applyLabelNoise(new Int32Array(3), 10, -0.1, 0), RangeError);
});
