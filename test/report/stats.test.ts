import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, sampleStd, averageRanks, spearman, pearson } from '../../src/report/stats.js';

test('mean and sample std (n − 1) on a hand-computed case', () => {
  assert.equal(mean([2, 4, 4, 4, 5, 5, 7, 9]), 5);
  // Σ(x−5)² = 32, n − 1 = 7.
  assert.equal(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  assert.equal(sampleStd([10, 12, 14]), 2);
  assert.equal(mean([]), null);
  assert.equal(sampleStd([3]), null, 'one value has no spread');
  assert.equal(sampleStd([]), null);
});

test('average ranks share ties', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  assert.deepEqual(averageRanks([3, 1, 2]), [3, 1, 2]);
  assert.deepEqual(averageRanks([5, 5, 5]), [2, 2, 2]);
  assert.deepEqual(averageRanks([0.1, 0.01, 0.1, 1, 0.01]), [3.5, 1.5, 3.5, 5, 1.5]);
});

test('spearman with ties matches the hand computation', () => {
  // x ranks [1, 2.5, 2.5, 4], y ranks [1, 3, 2, 4]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → ρ = 4.5/√22.5 = √0.9.
  const rho = spearman([1, 2, 2, 3], [10, 30, 20, 40])!;
  assert.ok(Math.abs(rho - Math.sqrt(0.9)) < 1e-12, `rho = ${rho}`);
  // Ties make the 1 − 6Σd²/(n(n²−1)) shortcut wrong: it would give 1 − 6·0.5/60 = 0.95.
  assert.notEqual(Number(rho.toFixed(6)), 0.95);
});

test('spearman: monotone, reversed, constant and short inputs', () => {
  assert.equal(spearman([1, 2, 3, 4], [1, 10, 100, 1000]), 1, 'rank correlation ignores non-linearity');
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.equal(spearman([1, 2, 3], [5, 5, 5]), null);
  assert.equal(spearman([1], [2]), null);
  assert.throws(() => spearman([1, 2], [1]), RangeError);
  assert.throws(() => spearman([1, NaN], [1, 2]), RangeError);
});

test('pearson against an independent formula', () => {
  const x = [1, 2, 3, 4, 5];
  const y = [2, 1, 4, 3, 7];
  // Direct textbook formula with sums.
  const n = x.length;
  const sx = x.reduce((a, b) => a + b), sy = y.reduce((a, b) => a + b);
  const sxy = x.reduce((a, xi, i) => a + xi * y[i], 0);
  const sxx = x.reduce((a, xi) => a + xi * xi, 0), syy = y.reduce((a, yi) => a + yi * yi, 0);
  const r = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
  assert.ok(Math.abs(pearson(x, y)! - r) < 1e-12);
});

test('identical values: mean exactly that value, std exactly 0 (was 0.49 ± 1.2e-16), a constant side has no correlation', () => {
  for (const v of [0.1, 0.49, 0.7, 12.3, 0.8475]) {
    for (const n of [2, 3, 5, 7]) {
      const xs = Array<number>(n).fill(v);
      assert.equal(mean(xs), v, `${n} × ${v}`);
      assert.equal(sampleStd(xs), 0, `${n} × ${v}`);
    }
  }
  assert.equal(pearson([12.3, 12.3, 12.3], [1, 2, 3]), null);
});
