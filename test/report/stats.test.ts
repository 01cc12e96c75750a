import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, sampleStd, averageRanks, spearman, pearson, spearmanPermutationTest, MONTE_CARLO_PERMUTATIONS } from '../../src/report/stats.js';
import { Rng } from '../../src/rng/rng.js';

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

test('permutation test of ρ: exact p on a 3-pair case counted by hand', () => {
  const rng = new Rng(1);
  // x = 1,2,3 against y = 10,20,30: of the 3! = 6 orderings of y only the identity reaches ρ = 1
  // (ρ over the six: 1, 0.5, 0.5, −0.5, −0.5, −1), so P(ρ* ≥ 1) = 1/6, P(|ρ*| ≥ 1) = 2/6.
  const up = spearmanPermutationTest([1, 2, 3], [10, 20, 30], 1, rng)!;
  assert.deepEqual([up.rho, up.method, up.permutations], [1, 'exact', 6]);
  assert.equal(up.p, 1 / 6);
  assert.equal(spearmanPermutationTest([1, 2, 3], [10, 20, 30], 0, rng)!.p, 2 / 6);
  assert.equal(spearmanPermutationTest([1, 2, 3], [10, 20, 30], -1, rng)!.p, 1, 'every ordering has ρ* ≤ 1');
  // y = 10,30,20: ρ = 0.5, reached or beaten by the identity, one swap and the sorted order: 3/6.
  assert.equal(spearmanPermutationTest([1, 2, 3], [10, 30, 20], 1, rng)!.p, 3 / 6);
  assert.equal(spearmanPermutationTest([1, 2, 3], [5, 5, 5], 1, rng), null, 'ρ undefined');
});

test('permutation test of ρ: exact p with ties matches brute force over all orderings', () => {
  // Independent computation: every permutation of y by recursion, ρ from spearman() itself.
  const x = [0.01, 0.01, 0.1, 0.1, 1, 1];
  const y = [10, 12, 6, 5, 3, 3];
  const rho = spearman(x, y)!;
  const rhos: number[] = [];
  const go = (rest: number[], acc: number[]) => {
    if (rest.length === 0) return void rhos.push(spearman(x, acc)!);
    rest.forEach((v, i) => go([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, v]));
  };
  go(y, []);
  assert.equal(rhos.length, 720);
  const expected = rhos.filter((r) => r <= rho + 1e-12).length / 720;
  const t = spearmanPermutationTest(x, y, -1, new Rng(0))!;
  assert.equal(t.method, 'exact');
  assert.ok(Math.abs(t.rho - rho) < 1e-15);
  assert.equal(t.p, expected);
  assert.ok(t.p < 0.05 && t.p > 0, `p = ${t.p}`);
});

test('permutation test of ρ: Monte Carlo above 8 pairs, seeded, close to the exact value', () => {
  // Perfectly monotone data: the exact p is 1/9! ≈ 2.8e-6, below what B draws resolve, so MC gives
  // its floor 1/(1 + B) (never 0).
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const mono = spearmanPermutationTest(x, x.map((v) => v * v), 1, new Rng(3))!;
  assert.equal(mono.method, 'monte-carlo');
  assert.equal(mono.permutations, MONTE_CARLO_PERMUTATIONS);
  assert.equal(mono.p, 1 / (1 + MONTE_CARLO_PERMUTATIONS));
  // A pattern with no association: p near 0.5 (one-sided), and the same seed gives the same p.
  const y = [5, 1, 9, 3, 7, 2, 8, 4, 6];
  const a = spearmanPermutationTest(x, y, 1, new Rng(7))!;
  const b = spearmanPermutationTest(x, y, 1, new Rng(7))!;
  assert.equal(a.p, b.p, 'seeded: reproducible');
  // Exact reference by brute force over the 9! = 362 880 orderings (ρ via S, as spearman would).
  const rx = averageRanks(x), ry = averageRanks(y);
  const s0 = rx.reduce((s, r, i) => s + r * ry[i], 0);
  let hits = 0, total = 0;
  const perm = (arr: number[], k: number) => {
    if (k === arr.length) {
      total++;
      if (rx.reduce((s, r, i) => s + r * arr[i], 0) >= s0 - 1e-9) hits++;
      return;
    }
    for (let i = k; i < arr.length; i++) {
      [arr[k], arr[i]] = [arr[i], arr[k]];
      perm(arr, k + 1);
      [arr[k], arr[i]] = [arr[i], arr[k]];
    }
  };
  perm(ry.slice(), 0);
  const exact = hits / total;
  // B = 20 000 draws: standard error ≤ 0.0036; 5 of them is a test that fails only by a bug.
  assert.ok(Math.abs(a.p - exact) < 0.018, `MC p ${a.p} vs exact ${exact}`);
});
