/**
 * The run-folder contract between the runner (writer) and gc-report (reader), defined once:
 * file names, the run.json schema and status enum, the metrics.csv base columns and the
 * number format of its cells. See docs/ARCHITECTURE.md, "Run folder layout".
 */
import { z } from 'zod';
import { LEARNING_RATE_COLUMNS, LOSS_ACCURACY_COLUMNS, MARGIN_COLUMNS } from './columns.js';

/** File names inside `<output_dir>/<experiment>/<run-id>/`. */
export const RUN_FILES = { config: 'config.json', record: 'run.json', metrics: 'metrics.csv' } as const;

/**
 * running: a process trains it (or died while training); complete: every epoch done;
 * failed: an exception ended it; diverged: non-finite or exploding values ended it;
 * interrupted: stopped by Ctrl-C/SIGTERM at a checkpoint, re-running the sweep resumes it.
 */
export const RUN_STATUSES = ['running', 'complete', 'failed', 'diverged', 'interrupted'] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** One training session of a run (the first, then one per resume). */
export const runAttemptSchema = z.looseObject({
  started_at: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** First epoch this attempt computed (0 = fresh start; k+1 = resumed from the epoch-k checkpoint). */
  from_epoch: z.number().int().nonnegative(),
  command: z.string(),
  /** Backend this attempt trained on (absent in folders of earlier versions); a resume on another is refused. */
  backend: z.string().optional(),
  /** Set when this attempt could not use the checkpoint it found (e.g. a failed checksum) and started afresh. */
  note: z.string().optional(),
});
export type RunAttempt = z.infer<typeof runAttemptSchema>;

/** Why a run ended early (failed or diverged): the epoch it happened at and a message. */
export const runErrorSchema = z.looseObject({ epoch: z.number().int(), message: z.string() });

const gitSchema = z.object({ commit: z.string(), dirty: z.boolean() }).nullable();

/** run.json as the runner writes it today: every field it always sets is required. */
export const runRecordSchema = z.object({
  id: z.string().min(1),
  experiment: z.string().min(1),
  seed: z.number().int(),
  swept: z.record(z.string(), z.unknown()),
  status: runStatusSchema,
  backend: z.string(),
  backend_reason: z.string(),
  custom_kernels: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
  host: z.string(),
  command: z.string(),
  git: gitSchema,
  started_at: z.string(),
  ended_at: z.string().nullable(),
  epochs_done: z.number().int().nonnegative(),
  epochs_total: z.number().int().nonnegative(),
  error: runErrorSchema.optional(),
  /** The fully resolved config of this run, beside run.json. */
  config_file: z.literal(RUN_FILES.config).optional(),
  /** Hash of the resolved config (the last part of the run id). */
  config_hash: z.string().optional(),
  /** Every session that trained this run, oldest first. */
  attempts: z.array(runAttemptSchema).optional(),
  /** Trainable parameters of the run's model (weights and biases; BN moving statistics not counted). */
  parameters: z.number().int().nonnegative().optional(),
  /** Set when train.stop_train_acc ended the run before train.epochs. */
  stopped_early: z.object({ epoch: z.number().int(), train_acc: z.number() }).optional(),
  /** Set when train.flow_time ended the run (at `step`, mid-epoch `epoch`); absent if the epochs cap came first. */
  flow_time_reached: z.object({ epoch: z.number().int(), step: z.number().int(), flow_time: z.number() }).optional(),
});
/** run.json as written: the runner builds exactly this type. */
export type RunRecord = z.infer<typeof runRecordSchema>;

/**
 * run.json as read: folders written by earlier versions lack the provenance fields and may
 * carry `swept: {}` omitted or `error: null`, and later versions may add fields, which are kept.
 * Only id, experiment, seed and status are required.
 */
export const storedRunRecordSchema = runRecordSchema
  .partial({
    backend: true, backend_reason: true, custom_kernels: true, versions: true, host: true, command: true,
    git: true, started_at: true, ended_at: true, epochs_done: true, epochs_total: true,
  })
  .extend({
    swept: z.record(z.string(), z.unknown()).default({}),
    error: z.looseObject({ epoch: z.number().int().nullable().optional(), message: z.string() }).nullable().optional(),
    config_file: z.string().optional(),
  })
  .loose();
export type StoredRunRecord = z.infer<typeof storedRunRecordSchema>;

/**
 * The fixed leading columns of metrics.csv, in order (regulariser and other metric columns
 * follow; a reader accepts any further numeric column).
 */
export const METRICS_BASE_COLUMNS = [
  'epoch',
  'step',
  ...LEARNING_RATE_COLUMNS,
  ...LOSS_ACCURACY_COLUMNS,
  'gc',
  'weight_norm_sq',
  'seconds',
  'gc_seconds',
  // Logit scale on the GC examples, with every GC measurement (src/metrics/margins.ts):
  // mean margin f_y − max_{j≠y} f_j, mean |margin|, GC / (mean |margin|)², mean ||f(x)||².
  ...MARGIN_COLUMNS,
] as const;

/** Base columns added after the first release: optional for a reader, so older folders read. */
const LATER_COLUMNS: readonly string[] = ['gc_seconds', ...MARGIN_COLUMNS];

/** Columns a reader requires: the base columns less those added later, so older folders read. */
export const METRICS_REQUIRED_COLUMNS = METRICS_BASE_COLUMNS.filter((c) => !LATER_COLUMNS.includes(c));

/**
 * Number format of metrics.csv cells: finite numbers in JS's shortest round-trip form, missing
 * values as an empty cell, non-finite values as `nan`, `inf`, `-inf`.
 */
export function formatMetricNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}

const NON_FINITE: Record<string, number> = {
  nan: NaN, '+nan': NaN, '-nan': NaN,
  inf: Infinity, '+inf': Infinity, infinity: Infinity, '+infinity': Infinity,
  '-inf': -Infinity, '-infinity': -Infinity,
};

/**
 * Reads one metrics.csv cell: '' → null; `nan`/`inf`/`-inf` in any letter case (also JS's
 * `NaN`, `Infinity`, and Python's `nan`) → the non-finite number; otherwise a plain decimal
 * number. Returns undefined for anything else (the caller names file, line and column).
 */
export function parseMetricNumber(cell: string): number | null | undefined {
  if (cell === '') return null;
  const special = NON_FINITE[cell.toLowerCase()];
  if (special !== undefined) return special;
  if (cell.trim() !== cell) return undefined;
  const v = Number(cell);
  return Number.isNaN(v) ? undefined : v;
}
