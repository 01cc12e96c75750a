/**
 * The reproduction table: for each swept knob, does final GC move the way the paper says
 * (Dherin et al. 2022) as the knob grows? Measured by the Spearman rank correlation between
 * knob value and final GC (and gc_margin, and a --metric column) over the sweep's complete runs,
 * with a permutation p-value, the numbers of seeds and knob values, and "not enough data" below
 * 3 of either.
 */
import { PAPER_KNOBS } from '../config/knobs.js';
import { Rng } from '../rng/rng.js';
import type { Sweep, KnobValue, Stat, RunSummary } from './aggregate.js';
import { compareKnobValues, formatKnobValue } from './aggregate.js';
import { mean, sampleStd, spearmanPermutationTest, MONTE_CARLO_PERMUTATIONS } from './stats.js';
import { fmtNum, fmtRho, fmtStat, mdTable, textTable } from './format.js';
import { describeSelection, selectRow, type Selection } from './selection.js';
import { doubleDescentRows, type DoubleDescentRow } from './width.js';

/** Expected sign of d(final GC)/d(knob), by config key (from config/knobs.ts): +1 GC grows with the knob, −1 it falls. */
export const EXPECTED_DIRECTION: Readonly<Record<string, 1 | -1>> = Object.fromEntries(
  Object.values(PAPER_KNOBS).map((k) => [k.key, k.expected]),
);

/** Fewer done seeds or knob values than this: "not enough data", whatever ρ says. */
export const MIN_SEEDS = 3;
export const MIN_KNOB_VALUES = 3;
/** A trend agreeing with the paper counts as reproduced ("yes") at p below this. */
export const SIGNIFICANCE = 0.05;

/**
 * What a measure's ρ says about the paper's claim: 'yes' (expected sign, p < SIGNIFICANCE),
 * 'inconclusive' (expected sign, p ≥ SIGNIFICANCE), 'no' (opposite sign), 'not enough data'
 * (< MIN_SEEDS seeds or < MIN_KNOB_VALUES knob values), 'undetermined' (ρ undefined), 'n/a' (no
 * expectation for the knob).
 */
export type Verdict = 'yes' | 'inconclusive' | 'no' | 'not enough data' | 'undetermined' | 'n/a';

/** ρ of one metric against the knob, with its uncertainty. */
export interface ReproMeasure {
  /** metrics.csv column, read at the sweep's selection point (final, or --at). */
  metric: string;
  /** Spearman ρ between knob value and the metric over done runs; null if undefined. */
  rho: number | null;
  /**
   * Permutation p-value of ρ (stats.ts spearmanPermutationTest): one-sided in the paper's
   * direction when it has one, else two-sided; null when ρ is undefined.
   */
  p: number | null;
  pMethod: 'exact' | 'monte-carlo' | null;
  /** Done runs with a numeric knob value and a finite value of the metric. */
  n: number;
  /** Distinct seeds and distinct knob values among those runs. */
  seeds: number;
  knobValues: number;
  /** Whether sign(ρ) equals the expected sign; null when no expectation, ρ undefined or not enough data. */
  agrees: boolean | null;
  verdict: Verdict;
}

/** One row of the reproduction table. */
export interface ReproRow {
  experiment: string;
  key: string;
  /** What is compared: "final GC", or e.g. "gc_margin at first train_acc ≥ 0.9" (Sweep.selection). */
  measure: string;
  values: { value: KnobValue; finalValue: Stat }[];
  expected: 1 | -1 | null;
  /** The selected metric's ρ, n and agreement (= measures[0]). */
  rho: number | null;
  n: number;
  agrees: boolean | null;
  /** The selected metric first, then gc and gc_margin (each once). */
  measures: ReproMeasure[];
  /** What the paper expects, when it is not a direction (the double-descent row). */
  paper?: string;
  /** The double-descent comparison behind this row (width sweeps only; width.ts). */
  doubleDescent?: DoubleDescentRow;
}

/** Metrics shown side by side: the selected one, then gc and gc_margin. */
export function reproMetrics(selected: string): string[] {
  return [...new Set([selected, 'gc', 'gc_margin'])];
}

function verdictOf(expected: 1 | -1 | null, rho: number | null, p: number | null, seeds: number, knobValues: number): Verdict {
  if (expected === null) return 'n/a';
  if (rho === null || p === null) return 'undetermined';
  if (seeds < MIN_SEEDS || knobValues < MIN_KNOB_VALUES) return 'not enough data';
  if (Math.sign(rho) !== expected) return 'no';
  return p < SIGNIFICANCE ? 'yes' : 'inconclusive';
}

/** ρ, its permutation p-value and the data counts of one metric over `runs` (done runs). */
export function measureTrend(
  runs: RunSummary[],
  key: string,
  metric: string,
  sel: Selection,
  expected: 1 | -1 | null,
  seedLabel: string,
): ReproMeasure {
  const valueOf = (r: RunSummary) =>
    metric === sel.metric ? r.finalValue : (selectRow(r.metrics, { metric, at: sel.at }).row?.[metric] ?? null);
  const pairs = runs
    .map((r) => ({ r, x: r.knob[key], y: valueOf(r) }))
    .filter((d): d is { r: RunSummary; x: number; y: number } => typeof d.x === 'number' && d.y !== null && Number.isFinite(d.y));
  const test = pairs.length
    ? spearmanPermutationTest(pairs.map((d) => d.x), pairs.map((d) => d.y), expected ?? 0, Rng.derive(0, seedLabel))
    : null;
  const seeds = new Set(pairs.map((d) => d.r.seed)).size;
  const knobValues = new Set(pairs.map((d) => d.x)).size;
  const rho = test?.rho ?? null;
  const verdict = verdictOf(expected, rho, test?.p ?? null, seeds, knobValues);
  const agrees = verdict === 'n/a' || verdict === 'undetermined' || verdict === 'not enough data' ? null : Math.sign(rho!) === expected;
  return { metric, rho, p: test?.p ?? null, pMethod: test?.method ?? null, n: pairs.length, seeds, knobValues, agrees, verdict };
}

const fmtR = (r: number | null) => (r === null ? '–' : r.toFixed(3));

/**
 * The double-descent row of a width sweep: the test-loss and GC curves across widths compared
 * (peaks, Pearson r, Spearman ρ), verdict as pre-registered in docs/DOUBLE-DESCENT.md. Its
 * `measures` carry the table's metric names; only the first holds the curves' ρ.
 */
function doubleDescentRow(d: DoubleDescentRow, metrics: string[]): ReproRow {
  const at = d.epochs.length === 1 ? `epoch ${d.epochs[0]}` : `epochs ${d.epochs.join(', ')}`;
  const measure =
    `test loss & GC at ${at} across ${d.points.length} widths: test loss peaks at ${formatKnobValue(d.peakTestLoss)}, ` +
    `GC at ${formatKnobValue(d.peakGc)}; Pearson r = ${fmtR(d.pearson)}${d.interiorPeak ? '' : '; no interior test-loss peak'}`;
  const verdict: Verdict = d.follows === null ? 'undetermined' : d.follows ? 'yes' : 'no';
  const measures = metrics.map((metric, i): ReproMeasure => ({
    metric, rho: i === 0 ? d.spearman : null, p: null, pMethod: null, n: i === 0 ? d.n : 0,
    seeds: 0, knobValues: d.points.length, agrees: i === 0 ? d.follows : null, verdict: i === 0 ? verdict : 'n/a',
  }));
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
    measures,
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
      const expected = EXPECTED_DIRECTION[key] ?? null;
      const measures = reproMetrics(s.selection.metric).map((m) =>
        measureTrend(done, key, m, s.selection, expected, `repro:${s.experiment}:${key}:${m}`),
      );
      const [first] = measures;
      rows.push({
        experiment: s.experiment, key, measure: describeSelection(s.selection), values, expected,
        rho: first.rho, n: first.n, agrees: first.agrees, measures,
      });
    }
  }
  for (const d of doubleDescentRows(sweeps)) {
    const at = rows.findIndex((r) => r.experiment === d.experiment && r.key === d.key);
    const metrics = (rows[at] ?? rows[0])?.measures.map((m) => m.metric) ?? reproMetrics('gc');
    rows.splice(at + 1, 0, doubleDescentRow(d, metrics));
  }
  return rows;
}

const arrow = (d: 1 | -1 | null) => (d === 1 ? '↑' : d === -1 ? '↓' : '?');

/** Verdict as shown: 'yes', 'NO', 'not enough data (2 seeds)', 'inconclusive (p ≥ 0.05)'. */
export function verdictText(m: ReproMeasure): string {
  switch (m.verdict) {
    case 'yes': return 'yes';
    case 'no': return 'NO';
    case 'inconclusive': return `inconclusive (p ≥ ${SIGNIFICANCE})`;
    case 'not enough data': {
      const short = [m.seeds < MIN_SEEDS ? `${m.seeds} seed${m.seeds === 1 ? '' : 's'}` : '', m.knobValues < MIN_KNOB_VALUES ? `${m.knobValues} knob value${m.knobValues === 1 ? '' : 's'}` : ''];
      return `not enough data (${short.filter(Boolean).join(', ')}; need ≥ ${MIN_SEEDS} each)`;
    }
    case 'undetermined': return 'undetermined';
    case 'n/a': return 'n/a (no expectation)';
  }
}

/** "−0.929, p=2.5e-5" or "—" (metric not logged / ρ undefined). */
export function fmtTrend(m: ReproMeasure): string {
  if (m.rho === null) return m.n === 0 ? '— (no values)' : `— (n=${m.n})`;
  return `${fmtRho(m.rho)}, p=${fmtNum(m.p, 2)}${m.pMethod === 'monte-carlo' ? ' (MC)' : ''}`;
}

function headers(rows: ReproRow[]): string[] {
  const metrics = rows[0]?.measures.map((m) => m.metric) ?? reproMetrics('gc');
  return [
    'sweep', 'knob key', 'measure', 'knob values', 'mean ± std per value', 'paper: GC as knob grows',
    ...metrics.map((m) => `ρ ${m}, p`), 'runs / seeds / values', 'agrees (measure)',
  ];
}

function cells(r: ReproRow): string[] {
  const [first] = r.measures;
  return [
    r.experiment,
    r.key,
    r.measure,
    r.values.map((v) => formatKnobValue(v.value)).join(' → '),
    r.values.map((v) => fmtStat(v.finalValue)).join(' → '),
    r.paper ?? arrow(r.expected),
    ...(r.doubleDescent
      ? r.measures.map((m, i) => (i === 0 ? `curves: r=${fmtR(r.doubleDescent!.pearson)}, ρ=${fmtRho(m.rho)}` : '—'))
      : r.measures.map(fmtTrend)),
    r.doubleDescent ? `${first.n} widths` : `${first.n} / ${first.seeds} / ${first.knobValues}`,
    verdictText(first),
  ];
}

/** Header and cells of the reproduction table (terminal, Markdown and HTML show the same). */
export function reproTable(rows: ReproRow[]): { headers: string[]; rows: string[][] } {
  return { headers: headers(rows), rows: rows.map(cells) };
}

/** What ρ, p and the verdict mean (printed under every reproduction table). */
export const REPRO_EXPLAIN =
  `ρ: Spearman rank correlation (average ranks for ties) between knob value and the measure over done runs. ` +
  `p: permutation p-value of ρ, one-sided in the paper's direction (exact over all orderings up to 8 runs, ` +
  `else ${MONTE_CARLO_PERMUTATIONS} seeded random orderings, "MC"). agrees: "yes" when ρ has the paper's sign ` +
  `and p < ${SIGNIFICANCE}; "not enough data" below ${MIN_SEEDS} seeds or ${MIN_KNOB_VALUES} knob values.`;

/** What a double-descent row means (printed under tables that have one). */
export const DOUBLE_DESCENT_EXPLAIN =
  'A width sweep (model.width) also gets a double-descent row: its ρ is the Spearman correlation between the ' +
  'seed-mean test-loss and GC curves across widths, and "agrees" is the rule of docs/DOUBLE-DESCENT.md ' +
  '(peaks at most one width apart and Pearson r ≥ 0.5).';

/** Plain-text reproduction table for the terminal. */
export function reproText(rows: ReproRow[]): string {
  if (rows.length === 0) return 'reproduction: no swept knobs found in these results';
  const t = reproTable(rows);
  const dd = rows.some((r) => r.doubleDescent) ? `\n${DOUBLE_DESCENT_EXPLAIN}` : '';
  return `${textTable(t.headers, t.rows)}

${REPRO_EXPLAIN}${dd}`;
}

/** repro.md contents. */
export function reproMarkdown(rows: ReproRow[]): string {
  const intro =
    'Expected directions from Dherin et al. (NeurIPS 2022): GC falls as learning rate, regularisation strength or ' +
    'label noise grow, and rises with batch size and initialisation scale. ' + REPRO_EXPLAIN + (rows.some((r) => r.doubleDescent) ? ' ' + DOUBLE_DESCENT_EXPLAIN : '');
  const t = reproTable(rows);
  const body = rows.length ? mdTable(t.headers, t.rows) : '_No swept knobs found in these results._';
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
    verdict: r.measures[0].verdict,
    measures: r.measures.map((m) => ({
      metric: m.metric, spearman: m.rho, p: m.p, p_method: m.pMethod,
      p_alternative: r.expected === null ? 'two-sided' : r.expected === 1 ? 'greater' : 'less',
      n: m.n, seeds: m.seeds, knob_values: m.knobValues, agrees: m.agrees, verdict: m.verdict,
    })),
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
