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
