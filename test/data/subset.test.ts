import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from '../../src/errors/errors.js';
import type { Split } from '../../src/data/split.js';
import { stratifiedIndices, stratifiedSubset } from '../../src/data/subset.js';

/** A split whose example i has all pixels = i and label labels[i]. */
function splitOf(labels: number[]): Split {
  const n = labels.length;
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) x.fill(i, 2 * i, 2 * i + 2);
  return { x, y: Int32Array.from(labels), n, shape: [1, 2, 1] };
}

function counts(y: ArrayLike<number>, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]]++;
  return c;
}

// Imbalanced: class c has 30 + 7c examples, interleaved.
const LABELS = Array.from({ length: 10 }, (_, c) => new Array(30 + 7 * c).fill(c)).flat();
for (let i = LABELS.length - 1; i > 0; i--) {
  const j = (i * 7919) % (i + 1);
  [LABELS[i], LABELS[j]] = [LABELS[j], LABELS[i]];
}

test('per-class counts differ by at most one, for sizes not divisible by the class count', () => {
  for (const size of [10, 57, 203, 299]) {
    const sub = stratifiedSubset(splitOf(LABELS), size, 1);
    assert.equal(sub.n, size);
    const c = counts(sub.y, 10);
    assert.ok(Math.max(...c) - Math.min(...c) <= 1, `size ${size}: ${c}`);
  }
});

test('subset rows are the chosen source examples, unique and in source order', () => {
  const split = splitOf(LABELS);
  const idx = stratifiedIndices(split.y, 123, 5);
  const sub = stratifiedSubset(split, 123, 5);
  for (let i = 0; i < idx.length; i++) {
    if (i > 0) assert.ok(idx[i] > idx[i - 1]);
    assert.equal(sub.y[i], LABELS[idx[i]]);
    assert.equal(sub.x[2 * i], idx[i]);
    assert.equal(sub.x[2 * i + 1], idx[i]);
  }
  assert.equal(split.n, LABELS.length); // source untouched
});

test('deterministic per seed; different seeds pick different examples', () => {
  const split = splitOf(LABELS);
  assert.deepEqual(stratifiedIndices(split.y, 100, 7), stratifiedIndices(split.y, 100, 7));
  assert.notDeepEqual(stratifiedIndices(split.y, 100, 7), stratifiedIndices(split.y, 100, 8));
});

test('a class smaller than its share gives all it has; the rest stays balanced', () => {
  // Class 0 has 3 examples, classes 1 and 2 have 50 each; 41 requested -> 3, 19, 19.
  const labels = [...new Array(3).fill(0), ...new Array(50).fill(1), ...new Array(50).fill(2)];
  assert.deepEqual(counts(stratifiedSubset(splitOf(labels), 41, 0).y, 3), [3, 19, 19]);
  assert.deepEqual(counts(stratifiedSubset(splitOf(labels), 103, 0).y, 3), [3, 50, 50]);
});

test('asking for more examples than exist is a DataError', () => {
  assert.throws(() => stratifiedSubset(splitOf([0, 1, 1]), 4, 0), (e: Error) => e instanceof DataError && /4 examples requested, but the split has only 3/.test(e.message));
  assert.throws(() => stratifiedSubset(splitOf([0, 1]), 1.5, 0), DataError);
});
