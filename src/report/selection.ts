/**
 * Which value of a run the report compares: a metrics.csv column (`--metric`, or the runs'
 * `report.metric`; default gc) at the run's last row where it was measured, or (`--at
 * train_acc=0.9`) at the first epoch whose column reaches a value.
 */
import { UsageError } from '../errors/errors.js';
import type { MetricsRow, RunData } from './read-run.js';
import { nearestName } from '../config/nearest.js';

/** A threshold point: the first row with `column` ≥ `value`. */
export interface AtPoint {
  column: string;
  value: number;
}

export interface Selection {
  /** The metrics.csv column compared across the sweep. */
  metric: string;
  /** null = the last row where the metric was measured ("final"). */
  at: AtPoint | null;
}

export const DEFAULT_METRIC = 'gc';

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a --metric value (a column name); throws UsageError (exit 2) naming the flag. */
export function parseMetric(text: string, flag = '--metric'): string {
  if (!COLUMN.test(text)) throw new UsageError(`${flag}: expected a metrics.csv column name (e.g. gc, gc_margin), got '${text}'`);
  return text;
}

/** Parses `column=value` (e.g. train_acc=0.9); throws UsageError (exit 2) naming the flag. */
export function parseAt(text: string, flag = '--at'): AtPoint {
  const m = /^([^=]+)=(.+)$/.exec(text);
  const value = m ? Number(m[2]) : NaN;
  if (!m || !COLUMN.test(m[1]) || m[2].trim() !== m[2] || !Number.isFinite(value)) {
    throw new UsageError(`${flag}: expected <column>=<number>, e.g. train_acc=0.9, got '${text}'`);
  }
  return { column: m[1], value };
}

/**
 * The row a run contributes: the first row with `at.column` ≥ `at.value` (its metric may then
 * be null: not measured there), or the last row where the metric was measured. `reason` says
 * why there is none.
 */
export function selectRow(metrics: MetricsRow[], sel: Selection): { row: MetricsRow | null; reason: string | null } {
  if (sel.at) {
    const { column, value } = sel.at;
    const row = metrics.find((r) => r[column] !== null && r[column] !== undefined && (r[column] as number) >= value) ?? null;
    if (!row) return { row: null, reason: `never reached ${column} ≥ ${value}` };
    if (row[sel.metric] === null || row[sel.metric] === undefined) {
      return { row: null, reason: `${sel.metric} not measured at epoch ${row.epoch}, where ${column} first reached ${value}` };
    }
    return { row, reason: null };
  }
  for (let i = metrics.length - 1; i >= 0; i--) {
    const v = metrics[i][sel.metric];
    if (v !== null && v !== undefined) return { row: metrics[i], reason: null };
  }
  return { row: null, reason: `no ${sel.metric} value` };
}

/** How the compared value is named in tables: "final gc", "gc_margin at train_acc ≥ 0.9". */
export function describeSelection(sel: Selection): string {
  const name = sel.metric === 'gc' ? 'GC' : sel.metric;
  return sel.at ? `${name} at first ${sel.at.column} ≥ ${sel.at.value}` : `final ${name}`;
}

/** The column nearest to `name` (case-insensitive edit distance ≤ max(2, ⅓ of its length)), if any. */
export function nearestColumn(name: string, columns: readonly string[]): string | null {
  return nearestName(name, columns, { ignoreCase: true }) ?? null;
}

/**
 * Checks the columns that --metric and --at name against the metrics.csv columns of `runs`
 * (any run having it is enough). A column no run has would give a report of "—" only: a
 * UsageError (exit 2, before anything is written) naming the columns there are.
 */
export function checkSelectionColumns(runs: readonly RunData[], opts: { metric?: string; at?: AtPoint | null }): void {
  const have = new Set(runs.flatMap((r) => r.columns));
  const all = [...have];
  for (const [flag, column, shown] of [
    ['--metric', opts.metric, opts.metric],
    ['--at', opts.at?.column, opts.at && `${opts.at.column}=${opts.at.value}`],
  ] as const) {
    if (column === undefined || column === null || have.has(column)) continue;
    const near = nearestColumn(column, all);
    throw new UsageError(
      `${flag} ${shown}: no run has a metrics.csv column '${column}'` + (near ? ` (did you mean ${near}?)` : '') + `; the runs' columns: ${all.join(', ') || 'none (no run has written metrics yet)'}`,
    );
  }
}
