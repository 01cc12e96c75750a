/**
 * Small descriptive statistics for aggregating runs over seeds.
 */

/**
 * Arithmetic mean; null for an empty list. Identical values give that value exactly (a rounded
 * sum would not: 3 × 0.1 / 3 is 0.10000000000000002), so their std is exactly 0, not 1.7e-17,
 * and a constant side of a correlation is recognised as constant.
 */
export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  if (xs.every((x) => x === xs[0])) return xs[0];
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Sample standard deviation (n − 1 denominator, the usual spread over seeds); null when
 * fewer than two values, because one seed says nothing about spread.
 */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** 1-based ranks, ties sharing the average of the ranks they span (fractional ranking). */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => i).sort((a, b) => xs[a] - xs[b]);
  const ranks = new Array<number>(xs.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; null when n < 2 or either side is constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`pearson: lengths differ (${xs.length} vs ${ys.length})`);
  if (xs.length < 2) return null;
  const mx = mean(xs)!;
  const my = mean(ys)!;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman rank correlation: Pearson correlation of average ranks (correct with ties, unlike
 * the 1 − 6Σd²/(n(n²−1)) shortcut). Null when undefined (n < 2 or a constant side).
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`spearman: lengths differ (${xs.length} vs ${ys.length})`);
  if ([...xs, ...ys].some((v) => Number.isNaN(v))) throw new RangeError('spearman: NaN in input');
  return pearson(averageRanks(xs), averageRanks(ys));
}

/** Result of a permutation test of Spearman's ρ. */
export interface PermutationTest {
  rho: number;
  /** Permutation p-value (see spearmanPermutationTest for the alternative). */
  p: number;
  /** 'exact': all n! orderings; 'monte-carlo': `permutations` seeded random orderings. */
  method: 'exact' | 'monte-carlo';
  permutations: number;
}

/** Above this many pairs the n! orderings are sampled instead of enumerated (8! = 40 320). */
export const EXACT_PERMUTATION_MAX_N = 8;
/** Random orderings drawn for the Monte-Carlo test (p resolution ≈ 1e-4). */
export const MONTE_CARLO_PERMUTATIONS = 20000;

/**
 * Permutation test of Spearman's ρ between xs and ys under H0 "ys are exchangeable" (no
 * association): ys are reordered against xs, ties kept as average ranks. `direction` +1/−1 gives
 * the one-sided p-value P(ρ* ≥ ρ) or P(ρ* ≤ ρ), 0 the two-sided P(|ρ*| ≥ |ρ|). Exact (all n!
 * orderings, the identity included) up to EXACT_PERMUTATION_MAX_N pairs, else Monte Carlo with
 * `rng` (seeded: the same data give the same p), p = (1 + hits) / (1 + draws), never 0.
 * Null when ρ is undefined (n < 2 or a constant side).
 */
export function spearmanPermutationTest(
  xs: readonly number[],
  ys: readonly number[],
  direction: 1 | -1 | 0,
  rng: { int(n: number): number },
): PermutationTest | null {
  const rho = spearman(xs, ys);
  if (rho === null) return null;
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const n = rx.length;
  // Rank means and spreads do not change under reordering, so ρ* is a positive multiple of
  // S = Σ (rx_i − m)(ry_π(i) − m): comparing S is comparing ρ.
  const m = (n + 1) / 2;
  const centre = (v: number[]) => v.map((r) => r - m);
  const cx = centre(rx);
  const cy = centre(ry);
  let s0 = 0;
  for (let i = 0; i < n; i++) s0 += cx[i] * cy[i];
  const eps = 1e-9 * (1 + Math.abs(s0));
  const extreme = (s: number) =>
    direction === 1 ? s >= s0 - eps : direction === -1 ? s <= s0 + eps : Math.abs(s) >= Math.abs(s0) - eps;
  const perm = cy.slice();
  if (n <= EXACT_PERMUTATION_MAX_N) {
    // Heap's algorithm visits every ordering once.
    let hits = 0;
    let total = 0;
    const c = new Array<number>(n).fill(0);
    const visit = () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += cx[i] * perm[i];
      total++;
      if (extreme(s)) hits++;
    };
    visit();
    let i = 0;
    while (i < n) {
      if (c[i] < i) {
        const j = i % 2 === 0 ? 0 : c[i];
        [perm[j], perm[i]] = [perm[i], perm[j]];
        visit();
        c[i]++;
        i = 0;
      } else {
        c[i] = 0;
        i++;
      }
    }
    return { rho, p: hits / total, method: 'exact', permutations: total };
  }
  let hits = 0;
  for (let b = 0; b < MONTE_CARLO_PERMUTATIONS; b++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    let s = 0;
    for (let k = 0; k < n; k++) s += cx[k] * perm[k];
    if (extreme(s)) hits++;
  }
  return { rho, p: (1 + hits) / (1 + MONTE_CARLO_PERMUTATIONS), method: 'monte-carlo', permutations: MONTE_CARLO_PERMUTATIONS };
}
