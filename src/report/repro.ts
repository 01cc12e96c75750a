/**
 * The reproduction table: for each swept knob, does final GC move the way the paper says
 * (Dherin et al. 2022) as the knob grows? Measured by the Spearman rank correlation between
 * knob value and final GC over the sweep's complete runs.
 */
import { PAPER_KNOBS } from '../config/knobs.js';
import type { Sweep, KnobValue, Stat } from './aggregate.js';
import { compareKnobValues, formatKnobValue } from './aggregate.js';
import { mean, sampleStd, spearman } from './stats.js';
import { fmtRho, fmtStat, mdTable, textTable } from './format.js';
import { describeSelection } from './selection.js';
import { doubleDescentRows, type DoubleDescentRow } from './width.js';

/** Expected sign of d(final GC)/d(knob), by config key (from config/knobs.ts): +1 GC grows with the knob, −1 it falls. */
export const EXPECTED_DIRECTION: Readonly<Record<string, 1 | -1>> = Object.fromEntries(
  Object.values(PAPER_KNOBS).map((k) => [k.key, k.expected]),
);

/** One row of the reproduction table. */
export interface ReproRow {
  experiment: string;
  key: string;
  /** What is compared: "final GC", or e.g. "gc_margin at first train_acc ≥ 0.9" (Sweep.selection). */
  measure: string;
  values: { value: KnobValue; finalValue: Stat }[];
  expected: 1 | -1 | null;
  /** Spearman ρ between knob value and final GC over complete runs; null if undefined. */
  rho: number | null;
  /** Number of complete runs with a numeric knob value and finite final GC. */
  n: number;
  /** Whether sign(ρ) equals the expected sign; null when no expectation or ρ undefined. */
  agrees: boolean | null;
  /** What the paper expects, when it is not a direction (the double-descent row). */
  paper?: string;
  /** The double-descent comparison behind this row (width sweeps only; width.ts). */
  doubleDescent?: DoubleDescentRow;
}

const fmtR = (r: number | null) => (r === null ? '–' : r.toFixed(3));

/** The double-descent row of a width sweep: ρ between the test-loss and GC curves, verdict as pre-registered. */
function doubleDescentRow(d: DoubleDescentRow): ReproRow {
  const at = d.epochs.length === 1 ? `epoch ${d.epochs[0]}` : `epochs ${d.epochs.join(', ')}`;
  const measure =
    `test loss & GC at ${at} across ${d.points.length} widths: test loss peaks at ${formatKnobValue(d.peakTestLoss)}, ` +
    `GC at ${formatKnobValue(d.peakGc)}; Pearson r = ${fmtR(d.pearson)}${d.interiorPeak ? '' : '; no interior test-loss peak'}`;
  return {
    experiment: d.experiment,
    key: d.key,
    measure,
    values: d.points.map((p) => ({ value: p.value, finalValue: p.gc })),
    expected: null,
    paper: 'GC follows test loss',
    rho: d.spearman,
    n: d.n,
    agrees: d.follows,
    doubleDescent: d,
  };
}

/** Builds one row per (sweep, knob key). */
export function reproRows(sweeps: Sweep[]): ReproRow[] {
  const rows: ReproRow[] = [];
  for (const s of sweeps) {
    const done = s.runs.filter((r) => r.state === 'done');
    for (const key of s.knobKeys) {
      const distinct = [...new Set(s.runs.map((r) => r.knob[key]))].sort(compareKnobValues);
      const values = distinct.map((value) => {
        const gcs = done.filter((r) => r.knob[key] === value && r.finalValue !== null).map((r) => r.finalValue as number);
        return { value, finalValue: { mean: mean(gcs), std: sampleStd(gcs), n: gcs.length } };
      });
      const pairs = done.filter(
        (r) => typeof r.knob[key] === 'number' && r.finalValue !== null && Number.isFinite(r.finalValue),
      );
      const rho = pairs.length ? spearman(pairs.map((r) => r.knob[key] as number), pairs.map((r) => r.finalValue as number)) : null;
      const expected = EXPECTED_DIRECTION[key] ?? null;
      const agrees = expected === null || rho === null ? null : Math.sign(rho) === expected;
      rows.push({ experiment: s.experiment, key, measure: describeSelection(s.selection), values, expected, rho, n: pairs.length, agrees });
    }
  }
  for (const d of doubleDescentRows(sweeps)) {
    const at = rows.findIndex((r) => r.experiment === d.experiment && r.key === d.key);
    rows.splice(at + 1, 0, doubleDescentRow(d));
  }
  return rows;
}

const arrow = (d: 1 | -1 | null) => (d === 1 ? '↑' : d === -1 ? '↓' : '?');
const verdict = (a: boolean | null, r: ReproRow) =>
  a === null ? (r.expected === null ? 'n/a (no expectation)' : 'undetermined') : a ? 'yes' : 'NO';

function cells(r: ReproRow): string[] {
  return [
    r.experiment,
    r.key,
    r.measure,
    r.values.map((v) => formatKnobValue(v.value)).join(' → '),
    r.values.map((v) => fmtStat(v.finalValue)).join(' → '),
    r.paper ?? arrow(r.expected),
    `${fmtRho(r.rho)} (n=${r.n})`,
    verdict(r.agrees, r),
  ];
}

const HEADERS = ['sweep', 'knob key', 'measure', 'knob values', 'mean ± std per value', 'paper: GC as knob grows', 'Spearman ρ', 'agrees'];

/** Plain-text reproduction table for the terminal. */
export function reproText(rows: ReproRow[]): string {
  if (rows.length === 0) return 'reproduction: no swept knobs found in these results';
  return textTable(HEADERS, rows.map(cells));
}

/** repro.md contents. */
export function reproMarkdown(rows: ReproRow[]): string {
  const intro =
    'Expected directions from Dherin et al. (NeurIPS 2022): GC falls as learning rate, regularisation strength or ' +
    'label noise grow, and rises with batch size and initialisation scale. ρ is the Spearman rank correlation ' +
    '(average ranks for ties) between knob value and final GC over complete runs. A width sweep (model.width) also ' +
    'gets a double-descent row: its ρ is the Spearman correlation between the seed-mean test-loss and GC curves ' +
    'across widths, and "agrees" is the rule of docs/DOUBLE-DESCENT.md (peaks at most one width apart and Pearson r ≥ 0.5).';
  const body = rows.length ? mdTable(HEADERS, rows.map(cells)) : '_No swept knobs found in these results._';
  return `# Reproduction of the paper's GC trends\n\n${intro}\n\n${body}\n`;
}

/** JSON form of the rows (for --json). */
export function reproJson(rows: ReproRow[]) {
  return rows.map((r) => ({
    experiment: r.experiment,
    key: r.key,
    measure: r.measure,
    values: r.values.map((v) => ({ value: v.value, final_gc: v.finalValue })),
    expected: r.expected,
    spearman: r.rho,
    n: r.n,
    agrees: r.agrees,
    ...(r.doubleDescent
      ? {
          double_descent: {
            peak_test_loss_at: r.doubleDescent.peakTestLoss, peak_gc_at: r.doubleDescent.peakGc,
            pearson: r.doubleDescent.pearson, spearman: r.doubleDescent.spearman, interior_peak: r.doubleDescent.interiorPeak,
            epochs: r.doubleDescent.epochs,
            points: r.doubleDescent.points.map((p) => ({ value: p.value, parameters: p.parameters, test_loss: p.testLoss, gc: p.gc })),
          },
        }
      : {}),
  }));
}
