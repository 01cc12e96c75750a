/**
 * Reads one run folder (config.json, run.json, metrics.csv — see docs/ARCHITECTURE.md) into
 * memory, validating it against the runner contract. Every problem names the file and field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DataError } from '../errors/errors.js';
import { parseCsv } from './csv.js';

/** Columns every metrics.csv must carry (regulariser columns may follow). */
export const REQUIRED_COLUMNS = [
  'epoch', 'step', 'lr', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'gc', 'weight_norm_sq', 'seconds',
] as const;

const runRecordSchema = z.looseObject({
  id: z.string().min(1),
  experiment: z.string().min(1),
  seed: z.number().int(),
  swept: z.record(z.string(), z.unknown()).default({}),
  status: z.enum(['running', 'complete', 'failed', 'diverged']),
  epochs_done: z.number().int().nonnegative().optional(),
  epochs_total: z.number().int().nonnegative().optional(),
  error: z.looseObject({ epoch: z.number().nullable().optional(), message: z.string() }).nullable().optional(),
});

/** The fields of run.json the report uses (other fields are kept but not typed). */
export type RunRecord = z.infer<typeof runRecordSchema>;

/** One metrics.csv row: column → value; empty cells (e.g. gc not measured) are null. */
export type MetricsRow = Record<string, number | null>;

/** A run folder loaded into memory. */
export interface RunData {
  dir: string;
  record: RunRecord;
  config: Record<string, unknown>;
  columns: string[];
  metrics: MetricsRow[];
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

/** Parses and validates run.json. */
export function readRunRecord(file: string): RunRecord {
  const parsed = runRecordSchema.safeParse(readJson(file));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DataError(`${file}: not a valid run record (expected id, experiment, seed, swept, status):\n${issues.join('\n')}`);
  }
  return parsed.data;
}

function parseCell(cell: string, file: string, line: number, col: string): number | null {
  if (cell === '') return null;
  // The runner may log non-finite values of a diverged run; keep them as numbers.
  if (cell === 'NaN') return NaN;
  if (cell === 'Infinity' || cell === 'inf') return Infinity;
  if (cell === '-Infinity' || cell === '-inf') return -Infinity;
  const v = Number(cell);
  if (cell.trim() !== cell || Number.isNaN(v)) {
    throw new DataError(`${file}: line ${line}, column '${col}': expected a number or empty cell, got '${cell}'`);
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

/** Reads a run folder. A run that is still running or failed early may lack metrics.csv. */
export function readRun(dir: string): RunData {
  const record = readRunRecord(join(dir, 'run.json'));
  const configFile = join(dir, 'config.json');
  const config = readJson(configFile);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new DataError(`${configFile}: expected a JSON object (the resolved run config)`);
  }
  const metricsFile = join(dir, 'metrics.csv');
  const unfinished = record.status !== 'complete';
  if (!existsSync(metricsFile)) {
    if (unfinished) return { dir, record, config: config as Record<string, unknown>, columns: [], metrics: [] };
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
    allowTornTail: record.status === 'running',
  });
  return { dir, record, config: config as Record<string, unknown>, columns, metrics: rows };
}
