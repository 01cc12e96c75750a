/**
 * Groups loaded runs into sweeps (one per experiment) and knob values (the combination of the
 * swept keys other than `seed`), and computes per-value statistics over seeds.
 */
import type { RunData, MetricsRow } from './read-run.js';
import { mean, sampleStd } from './stats.js';
import { DEFAULT_METRIC, selectRow, type AtPoint, type Selection } from './selection.js';

/** A knob value as shown and compared; arrays/objects are kept as their JSON text. */
export type KnobValue = number | string | boolean | null;

/**
 * done = status complete; failed = failed or diverged; incomplete = running or interrupted
 * (a re-run resumes it); invalid = its metrics cannot be trusted (RunData.problems), whatever
 * its status. Only done runs enter the statistics.
 */
export type RunState = 'done' | 'failed' | 'incomplete' | 'invalid';

/** Every run state, in the order tables and legends show them. */
export const RUN_STATES: readonly RunState[] = ['done', 'failed', 'incomplete', 'invalid'];

/** One run reduced to what the report shows. */
export interface RunSummary {
  id: string;
  dir: string;
  experiment: string;
  seed: number;
  status: string;
  state: RunState;
  knob: Record<string, KnobValue>;
  knobLabel: string;
  /** Epoch of the row compared (Sweep.selection: the last with the metric, or the --at point); null if none. */
  finalEpoch: number | null;
  /** The selected metric at finalEpoch. */
  finalValue: number | null;
  finalTestAcc: number | null;
  epochsDone: number | null;
  epochsTotal: number | null;
  /** Trainable parameters of the run's model (run.json `parameters`; null in folders written before it). */
  parameters: number | null;
  error: string | null;
  /** Why the run is invalid (empty unless state is 'invalid'). */
  problems: string[];
  metrics: MetricsRow[];
  /** The run's resolved config.json (the report's per-sweep config header reads it). */
  config: Record<string, unknown>;
}

/** Mean and sample std over the done runs of a knob value; std null when n < 2. */
export interface Stat {
  mean: number | null;
  std: number | null;
  n: number;
}

/** One point of a seed-averaged curve. */
export interface CurvePoint {
  epoch: number;
  mean: number;
  std: number | null;
  n: number;
}

/** All runs sharing one knob value. */
export interface KnobGroup {
  knob: Record<string, KnobValue>;
  label: string;
  runs: RunSummary[];
  counts: Record<RunState, number>;
  finalValue: Stat;
  finalTestAcc: Stat;
  /** Seed-averaged curves over done runs, per epoch where the metric was measured. */
  curves: { gc: CurvePoint[]; test_acc: CurvePoint[] };
}

/** One experiment: its knob keys and knob groups in ascending knob order. */
export interface Sweep {
  experiment: string;
  knobKeys: string[];
  groups: KnobGroup[];
  runs: RunSummary[];
  /** Notes for the researcher, e.g. config keys that vary but are not declared as swept. */
  warnings: string[];
  /** What finalValue is: which metric, at which point. */
  selection: Selection;
}

/** Config keys that differ between runs by construction and are not knobs. */
const NOT_KNOBS = new Set(['seed', 'output_dir', 'experiment']);

/** Flattens nested objects to dotted keys; arrays and scalars are leaves. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

function toKnobValue(v: unknown): KnobValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** Orders knob values: null first, then numbers numerically, then everything else as text. */
export function compareKnobValues(a: KnobValue, b: KnobValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return String(a) < String(b) ? -1 : 1;
}

/** Text of one knob value as shown in tables and legends. */
export function formatKnobValue(v: KnobValue): string {
  return v === null ? '(unset)' : String(v);
}

function knobLabel(keys: string[], knob: Record<string, KnobValue>): string {
  if (keys.length === 0) return '(all runs)';
  if (keys.length === 1) return formatKnobValue(knob[keys[0]]);
  return keys.map((k) => `${k}=${formatKnobValue(knob[k])}`).join(', ');
}

function stateOf(status: string, problems: string[]): RunState {
  if (problems.length) return 'invalid';
  if (status === 'complete') return 'done';
  if (status === 'running' || status === 'interrupted') return 'incomplete';
  return 'failed';
}

const distinct = (vals: unknown[]) => new Set(vals.map((v) => JSON.stringify(v ?? null))).size;

/**
 * Knob keys of one experiment: the keys named in the runs' `swept` (minus `seed`); when no
 * run declares any, the config keys whose values differ across runs (minus seed/output_dir).
 */
export function inferKnobKeys(runs: RunData[]): { keys: string[]; warnings: string[] } {
  const flat = runs.map((r) => flatten(r.config));
  const allConfigKeys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const varying = allConfigKeys.filter((k) => !NOT_KNOBS.has(k) && distinct(flat.map((f) => f[k])) > 1);
  const swept = [...new Set(runs.flatMap((r) => Object.keys(r.record.swept)))].filter((k) => k !== 'seed').sort();
  if (swept.length === 0) return { keys: varying, warnings: [] };
  const undeclared = varying.filter((k) => !swept.includes(k) && !k.endsWith('.seed'));
  const warnings = undeclared.length
    ? [`config key(s) ${undeclared.join(', ')} differ across runs but are not in run.json 'swept'; runs with different values are grouped together`]
    : [];
  return { keys: swept, warnings };
}

function stat(xs: (number | null)[]): Stat {
  const vals = xs.filter((x): x is number => x !== null);
  return { mean: mean(vals), std: sampleStd(vals), n: vals.length };
}

/** Seed-averaged curve of one metric over runs, per epoch where it was measured. */
export function meanCurve(runs: RunSummary[], column: string): CurvePoint[] {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs) {
    for (const row of r.metrics) {
      const v = row[column];
      if (v === null || v === undefined) continue;
      const e = row.epoch as number;
      if (!byEpoch.has(e)) byEpoch.set(e, []);
      byEpoch.get(e)!.push(v);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, vals]) => ({ epoch, mean: mean(vals)!, std: sampleStd(vals), n: vals.length }));
}

function summarise(r: RunData, keys: string[], sel: Selection): RunSummary & { reason: string | null } {
  const flat = flatten(r.config);
  const knob: Record<string, KnobValue> = {};
  for (const k of keys) knob[k] = toKnobValue(k in r.record.swept ? r.record.swept[k] : flat[k]);
  const { row: last, reason } = selectRow(r.metrics, sel);
  return {
    id: r.record.id,
    dir: r.dir,
    experiment: r.record.experiment,
    seed: r.record.seed,
    status: r.record.status,
    state: stateOf(r.record.status, r.problems),
    knob,
    knobLabel: knobLabel(keys, knob),
    finalEpoch: last ? (last.epoch as number) : null,
    finalValue: last ? last[sel.metric] ?? null : null,
    finalTestAcc: last ? last.test_acc : null,
    epochsDone: r.record.epochs_done ?? null,
    epochsTotal: r.record.epochs_total ?? null,
    parameters: typeof r.record.parameters === 'number' ? r.record.parameters : null,
    error: r.record.error?.message ?? null,
    problems: r.problems,
    metrics: r.metrics,
    config: r.config,
    reason,
  };
}

/** The metric of an experiment's runs: `metric` when given, else their config's report.metric when they agree, else gc. */
function metricOf(runs: RunData[], metric: string | undefined): string {
  if (metric) return metric;
  const named = new Set(runs.map((r) => (r.config.report as { metric?: unknown } | undefined)?.metric).filter((m) => typeof m === 'string'));
  return named.size === 1 ? ([...named][0] as string) : DEFAULT_METRIC;
}

function compareKnobs(keys: string[], a: Record<string, KnobValue>, b: Record<string, KnobValue>): number {
  for (const k of keys) {
    const c = compareKnobValues(a[k], b[k]);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Groups runs by experiment, then by knob value. Statistics (final GC, final test accuracy,
 * curves) use done runs only; failed, incomplete and invalid runs stay in `runs` and in the
 * counts, and each problem of an invalid run becomes one warning naming its folder.
 */
export function aggregate(runs: RunData[], opts: { metric?: string; at?: AtPoint | null } = {}): Sweep[] {
  const byExp = new Map<string, RunData[]>();
  for (const r of runs) {
    if (!byExp.has(r.record.experiment)) byExp.set(r.record.experiment, []);
    byExp.get(r.record.experiment)!.push(r);
  }
  return [...byExp.keys()].sort().map((experiment) => {
    const expRuns = byExp.get(experiment)!;
    const { keys, warnings } = inferKnobKeys(expRuns);
    for (const r of expRuns) for (const p of r.problems) warnings.push(`run ${r.dir}: ${p}; counted invalid, not done`);
    const selection: Selection = { metric: metricOf(expRuns, opts.metric), at: opts.at ?? null };
    const summaries: RunSummary[] = expRuns.map((r) => {
      const { reason, ...s } = summarise(r, keys, selection);
      if (reason && s.state === 'done') warnings.push(`run ${r.dir}: ${reason}; not counted`);
      return s;
    });
    summaries.sort((a, b) => compareKnobs(keys, a.knob, b.knob) || a.seed - b.seed || (a.id < b.id ? -1 : 1));
    const byLabel = new Map<string, RunSummary[]>();
    for (const s of summaries) {
      if (!byLabel.has(s.knobLabel)) byLabel.set(s.knobLabel, []);
      byLabel.get(s.knobLabel)!.push(s);
    }
    // Map keeps insertion order, and summaries are sorted by knob, so groups are too.
    const groups: KnobGroup[] = [...byLabel.entries()].map(([label, members]) => {
      const done = members.filter((r) => r.state === 'done');
      const counts: Record<RunState, number> = { done: 0, failed: 0, incomplete: 0, invalid: 0 };
      for (const r of members) counts[r.state]++;
      return {
        knob: members[0].knob,
        label,
        runs: members,
        counts,
        finalValue: stat(done.map((r) => r.finalValue)),
        finalTestAcc: stat(done.map((r) => r.finalTestAcc)),
        curves: { gc: meanCurve(done, 'gc'), test_acc: meanCurve(done, 'test_acc') },
      };
    });
    return { experiment, knobKeys: keys, groups, runs: summaries, warnings, selection };
  });
}
