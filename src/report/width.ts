/**
 * Curves against model size for width sweeps (issue #21): per knob value, the parameter count
 * (run.json `parameters`) and the seed mean ± std of a metric at the row each run is compared at
 * (Sweep.selection: its last GC measurement, or the --at point); and the double-descent row of
 * the reproduction table: where the test loss and GC peak across widths, and how the two
 * curves correlate (docs/DOUBLE-DESCENT.md fixed the statistic before the sweep ran).
 */
import type { KnobValue, Stat, Sweep } from './aggregate.js';
import { compareKnobValues } from './aggregate.js';
import { mean, pearson, sampleStd, spearman } from './stats.js';

/** The knob keys that set a model's size through its width. */
export const WIDTH_KEYS: readonly string[] = ['model.width'];

/** One knob value of a size sweep. */
export interface SizePoint {
  value: KnobValue;
  /** Parameter count of its runs (they share it), null when no run recorded one. */
  parameters: number | null;
  stat: Stat;
}

/**
 * Per knob value (ascending) of a one-key sweep: parameter count and mean ± std over done runs
 * of `column` in the row each run is compared at (the row of its selected metric).
 */
export function sizeCurve(s: Sweep, column: string): SizePoint[] {
  if (s.knobKeys.length !== 1) return [];
  const key = s.knobKeys[0];
  return s.groups
    .map((g) => {
      const done = g.runs.filter((r) => r.state === 'done' && r.finalEpoch !== null);
      const vals = done
        .map((r) => r.metrics.find((m) => m.epoch === r.finalEpoch)?.[column])
        .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const params = g.runs.map((r) => r.parameters).find((p): p is number => p !== null) ?? null;
      return { value: g.knob[key], parameters: params, stat: { mean: mean(vals), std: sampleStd(vals), n: vals.length } };
    })
    .sort((a, b) => compareKnobValues(a.value, b.value));
}

/** Whether a sweep is a size sweep: one knob key and at least 3 distinct recorded parameter counts. */
export function isSizeSweep(s: Sweep): boolean {
  if (s.knobKeys.length !== 1) return false;
  return new Set(s.runs.map((r) => r.parameters).filter((p) => p !== null)).size >= 3;
}

/** The double-descent comparison of one width sweep. */
export interface DoubleDescentRow {
  experiment: string;
  key: string;
  /** Epoch(s) compared (the selected rows of the done runs). */
  epochs: number[];
  points: { value: KnobValue; parameters: number | null; testLoss: Stat; gc: Stat }[];
  /** Knob value with the largest seed-mean test loss / GC (null when none). */
  peakTestLoss: KnobValue | null;
  peakGc: KnobValue | null;
  /** Pearson r and Spearman ρ of the two seed-mean curves across knob values. */
  pearson: number | null;
  spearman: number | null;
  /** Whether the test loss has an interior peak above its widest value (double descent at all). */
  interiorPeak: boolean;
  /** Knob values with both curves measured (the correlations' n). */
  n: number;
  /** Pre-registered verdict: peaks at most one grid step apart and r ≥ 0.5. */
  follows: boolean | null;
}

function argmax(points: { mean: number | null }[]): number {
  let best = -1;
  points.forEach((p, i) => {
    if (p.mean !== null && (best < 0 || p.mean > points[best].mean!)) best = i;
  });
  return best;
}

/** The double-descent row of every width sweep (knob key in WIDTH_KEYS, ≥ 3 values), else none. */
export function doubleDescentRows(sweeps: Sweep[]): DoubleDescentRow[] {
  const rows: DoubleDescentRow[] = [];
  for (const s of sweeps) {
    if (s.knobKeys.length !== 1 || !WIDTH_KEYS.includes(s.knobKeys[0]) || s.groups.length < 3) continue;
    const loss = sizeCurve(s, 'test_loss');
    const gc = sizeCurve(s, s.selection.metric);
    const points = loss.map((p, i) => ({ value: p.value, parameters: p.parameters, testLoss: p.stat, gc: gc[i].stat }));
    const both = points.filter((p) => p.testLoss.mean !== null && p.gc.mean !== null);
    const iLoss = argmax(points.map((p) => p.testLoss));
    const iGc = argmax(points.map((p) => p.gc));
    const r = both.length >= 3 ? pearson(both.map((p) => p.testLoss.mean!), both.map((p) => p.gc.mean!)) : null;
    const rho = both.length >= 3 ? spearman(both.map((p) => p.testLoss.mean!), both.map((p) => p.gc.mean!)) : null;
    const last = points[points.length - 1].testLoss.mean;
    const interiorPeak = iLoss > 0 && iLoss < points.length - 1 && last !== null && points[iLoss].testLoss.mean! > last;
    const epochs = [...new Set(s.runs.filter((x) => x.state === 'done' && x.finalEpoch !== null).map((x) => x.finalEpoch!))].sort((a, b) => a - b);
    rows.push({
      experiment: s.experiment,
      key: s.knobKeys[0],
      epochs,
      points,
      peakTestLoss: iLoss >= 0 ? points[iLoss].value : null,
      peakGc: iGc >= 0 ? points[iGc].value : null,
      pearson: r,
      spearman: rho,
      interiorPeak,
      n: both.length,
      follows: iLoss < 0 || iGc < 0 || r === null ? null : Math.abs(iLoss - iGc) <= 1 && r >= 0.5,
    });
  }
  return rows;
}
