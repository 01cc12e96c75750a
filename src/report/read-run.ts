/**
 * Reads one run folder (config.json, run.json, metrics.csv — see docs/ARCHITECTURE.md) into
 * memory, validating it against the run-folder contract (src/results/run-folder.ts). Every
 * problem names the file and field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors/errors.js';
import {
  METRICS_REQUIRED_COLUMNS, RUN_FILES, parseMetricNumber, storedRunRecordSchema, type StoredRunRecord,
} from '../results/run-folder.js';
import { parseCsv } from './csv.js';

/** Columns every metrics.csv must carry (regulariser and other metric columns may follow). */
export const REQUIRED_COLUMNS = METRICS_REQUIRED_COLUMNS;

/** run.json as validated by the run-folder contract (unknown fields kept). */
export type RunRecord = StoredRunRecord;

/** One metrics.csv row: column → value; empty cells (e.g. gc not measured) are null. */
export type MetricsRow = Record<string, number | null>;

/** A run folder loaded into memory. */
export interface RunData {
  dir: string;
  record: RunRecord;
  config: Record<string, unknown>;
  columns: string[];
  metrics: MetricsRow[];
  /**
   * What makes this run's numbers untrustworthy although its files parse (a complete run with
   * no epoch rows, repeated epochs); such a run is reported as invalid, never as done.
   */
  problems: string[];
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Parses and validates run.json against the run-folder contract. */
export function readRunRecord(file: string): RunRecord {
  const parsed = storedRunRecordSchema.safeParse(readJson(file));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DataError(`${file}: not a valid run record (expected id, experiment, seed, swept, status):\n${issues.join('\n')}`);
  }
  return parsed.data;
}

function parseCell(cell: string, file: string, line: number, col: string): number | null {
  const v = parseMetricNumber(cell);
  if (v === undefined) {
    throw new DataError(`${file}: line ${line}, column '${col}': expected a number, nan, inf, -inf or an empty cell, got '${cell}'`);
  }
  return v;
}

/** How forgiving parseMetrics is about an unfinished file. */
export interface MetricsLeniency {
  /** Accept an empty file (a run that stopped before writing its header). */
  allowEmpty: boolean;
  /** Drop a final unterminated, short record: what a reader sees while the runner appends. */
  allowTornTail: boolean;
}

/** Parses metrics.csv text into rows keyed by column; `file` names it in errors. */
export function parseMetrics(
  text: string,
  file: string,
  leniency: MetricsLeniency = { allowEmpty: false, allowTornTail: false },
): { columns: string[]; rows: MetricsRow[] } {
  const table = parseCsv(text, file);
  if (table.header.length === 0 && table.rows.length === 0) {
    if (leniency.allowEmpty) return { columns: [], rows: [] };
    throw new DataError(`${file}: empty file (expected a header: ${REQUIRED_COLUMNS.join(',')})`);
  }
  const { header } = table;
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new DataError(`${file}: header has an empty column name`);
    if (seen.has(h)) throw new DataError(`${file}: header repeats column '${h}'`);
    seen.add(h);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length) {
    throw new DataError(
      `${file}: header lacks column(s) ${missing.join(', ')} (expected a header starting ${REQUIRED_COLUMNS.join(',')}; got ${header.join(',')})`,
    );
  }
  let records = table.rows;
  if (!table.terminated && leniency.allowTornTail && records.length && records[records.length - 1].length < header.length) {
    records = records.slice(0, -1);
  }
  const rows = records.map((r, k) => {
    const line = table.lines[k];
    if (r.length !== header.length) {
      throw new DataError(`${file}: line ${line}: expected ${header.length} fields as in the header, got ${r.length}`);
    }
    const row: MetricsRow = {};
    header.forEach((col, j) => (row[col] = parseCell(r[j], file, line, col)));
    if (row.epoch === null || !Number.isInteger(row.epoch)) {
      throw new DataError(`${file}: line ${line}, column 'epoch': expected an integer`);
    }
    return row;
  });
  return { columns: header, rows };
}

/**
 * Problems of a run's rows that parsing cannot catch: no rows in a complete run, repeated
 * epochs. Each message starts with `file` (the caller adds the run folder).
 */
export function metricsProblems(record: RunRecord, rows: MetricsRow[], file: string): string[] {
  const problems: string[] = [];
  if (record.status === 'complete' && rows.length === 0) {
    problems.push(`${file}: header only, no epoch rows, although run.json says status 'complete'`);
  }
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const r of rows) {
    const e = r.epoch as number;
    if (seen.has(e)) repeated.add(e);
    seen.add(e);
  }
  if (repeated.size) {
    const list = [...repeated].sort((a, b) => a - b).join(', ');
    problems.push(`${file}: epoch${repeated.size > 1 ? 's' : ''} ${list} ${repeated.size > 1 ? 'have' : 'has'} more than one row`);
  }
  return problems;
}

/** Reads a run folder. A run that is unfinished or failed early may lack metrics.csv. */
export function readRun(dir: string): RunData {
  const record = readRunRecord(join(dir, RUN_FILES.record));
  const configFile = join(dir, RUN_FILES.config);
  const config = readJson(configFile);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new DataError(`${configFile}: expected a JSON object (the resolved run config)`);
  }
  const base = { dir, record, config: config as Record<string, unknown> };
  const metricsFile = join(dir, RUN_FILES.metrics);
  const unfinished = record.status !== 'complete';
  if (!existsSync(metricsFile)) {
    if (unfinished) return { ...base, columns: [], metrics: [], problems: [] };
    throw new DataError(`${metricsFile}: missing (run.json says status 'complete', so metrics are expected)`);
  }
  let text: string;
  try {
    text = readFileSync(metricsFile, 'utf8');
  } catch (e) {
    throw new DataError(`${metricsFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { columns, rows } = parseMetrics(text, metricsFile, {
    allowEmpty: unfinished,
    // A killed runner may leave a torn last line; only a complete run must end cleanly.
    allowTornTail: unfinished,
  });
  // While a run trains, its epoch-k row is appended before run.json says epochs_done k (and
  // before the checkpoint that makes it durable): a reader in between sees the row early. Until
  // run.json catches up the row is not yet the run's, so a live report never shows final_epoch
  // k beside epochs_done k − 1.
  const done = record.epochs_done;
  const settled = record.status === 'running' && typeof done === 'number' ? rows.filter((r) => !(r.epoch !== null && r.epoch > done)) : rows;
  return { ...base, columns, metrics: settled, problems: metricsProblems(record, settled, RUN_FILES.metrics) };
}
