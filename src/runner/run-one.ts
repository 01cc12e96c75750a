import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedRun } from '../config/sweep.js';
import type { BackendInfo } from '../backend/select.js';
import { buildModel, parameterCount } from '../models/build.js';
import { writeJsonAtomic } from '../results/atomic.js';
import { loadCheckpoint, removeCheckpoint, writeCheckpoint } from '../results/checkpoint.js';
import { fsReason, LinkRefused, makeFolder } from '../results/fs-safe.js';
import { backendConflict, linksInRunFolder, removeStaleTemps } from '../results/run-folder-guard.js';
import { GcRunError, UsageError } from '../errors/errors.js';
import { removeSavedModels, saveModel, snapshotDir, MODEL_DIR } from '../results/model-io.js';
import { readFirstMetricsRow, truncateMetricsCsv } from '../results/csv-resume.js';
import { acquireRunLock, type LockInfo, type LockOptions } from '../results/lock.js';
import { MetricsCsv } from '../results/metrics-csv.js';
import { readStoredRecord, type Provenance, type RunRecord, type RunStatus } from '../results/record.js';
import { RUN_FILES, type StoredRunRecord } from '../results/run-folder.js';
import { Trainer, type EpochRow, type StepProgress, type TrainerData } from '../train/trainer.js';
import type { DivergenceBaseline } from '../train/divergence.js';
import { Interrupted, runEpochs } from '../train/epoch-loop.js';
import { tensorboardEvents } from './tensorboard.js';

import type { RunEvents } from './progress.js';
export type { RunEvents };

/** How a run is executed. */
export interface ExecuteOptions {
  /** Ignore any checkpoint and earlier outcome: train from epoch 0. */
  restart?: boolean;
  /** When aborted, the run stops at the next step, keeping its last checkpoint (status interrupted). */
  signal?: AbortSignal;
  lock?: LockOptions;
}

export interface RunOutcome {
  id: string;
  /**
   * skipped: complete before; busy: locked by another live process (running elsewhere);
   * pending: not started, the sweep was stopped first (nothing was done to it now).
   */
  status: RunStatus | 'skipped' | 'busy' | 'pending';
  dir: string;
  /** epoch null: a run.json of an earlier version that did not know it. */
  error?: { epoch?: number | null; message: string };
  /** True when the status comes from an earlier invocation (nothing was trained now). */
  earlier?: boolean;
  /** Epoch training resumed from (0 = fresh start), when it trained. */
  fromEpoch?: number;
  holder?: LockInfo;
  /** One line the user should read (e.g. a corrupted checkpoint was set aside: trained afresh). */
  note?: string;
}

/** Folder of one run: <output_dir>/<experiment>/<run id>. */
export function runDir(run: PlannedRun): string {
  return join(run.config.output_dir, run.config.experiment, run.id);
}

/** Reads a run's run.json (the contract's reader schema), or null when absent/unreadable/not a run record. */
export const readRecord = readStoredRecord;

/** Epoch-0 loss and ||θ||² from a metrics.csv (null when its first row lacks them). */
function readBaseline(path: string): DivergenceBaseline | null {
  const row = readFirstMetricsRow(path);
  if (row?.epoch !== 0) return null;
  const b = { loss: row.test_loss, weight_norm_sq: row.weight_norm_sq };
  return Number.isFinite(b.loss) && Number.isFinite(b.weight_norm_sq) ? (b as DivergenceBaseline) : null;
}

/**
 * Trains one planned run into its folder: config.json, run.json (status kept current, written
 * atomically), metrics.csv (a row per epoch, flushed) and checkpoint/ (after every epoch).
 * The run folder is locked while it trains; a run locked by a live process is not touched
 * (`busy`). A complete run is skipped, a diverged one reported as before; anything else
 * resumes from its checkpoint (metrics.csv cut back to it) or starts afresh. Exceptions and
 * divergence (see divergence.ts) end the run as failed/diverged, never the sweep.
 * `data` may be a loader, called only when the run really trains.
 */
export async function executeRun(
  run: PlannedRun,
  data: TrainerData | (() => TrainerData | Promise<TrainerData>),
  backend: BackendInfo & { line: string },
  prov: Provenance,
  events: RunEvents = {},
  opts: ExecuteOptions = {},
): Promise<RunOutcome> {
  const dir = runDir(run);
  const done = existsSync(dir) ? readRecord(dir) : null;
  if (done?.status === 'complete' && !opts.restart) return { id: run.id, status: 'skipped', dir, earlier: true };
  // A run that cannot even be locked (read-only folder, name too long, a link where we write)
  // fails alone; the sweep goes on. Nothing is written in its folder.
  const refuse = (message: string): RunOutcome => ({ id: run.id, status: 'failed', dir, error: { epoch: done?.epochs_done ?? 0, message } });
  const links = linksInRunFolder(dir);
  if (links.length) return refuse(new LinkRefused(links[0]).message);
  let taken;
  try {
    makeFolder(dir);
    taken = acquireRunLock(dir, opts.lock);
  } catch (err) {
    return refuse(err instanceof GcRunError ? err.message : `${fsReason(err)} taking the lock in ${dir}`);
  }
  if (!taken.acquired) return { id: run.id, status: 'busy', dir, holder: taken.holder };
  try {
    // Under the lock nobody else writes here: temporaries of dead processes can go.
    removeStaleTemps(dir);
    // Read again under the lock: another process may have finished it meanwhile.
    const prior = readRecord(dir);
    if (!opts.restart && prior?.status === 'complete') return { id: run.id, status: 'skipped', dir, earlier: true };
    if (!opts.restart && prior?.status === 'diverged') {
      return { id: run.id, status: 'diverged', dir, error: prior.error ?? undefined, earlier: true };
    }
    // Resuming on another backend would break bit-identical resume: refused (exit 2) with the ways out.
    const conflict = opts.restart ? null : backendConflict(dir, run.id, backend.name, prior);
    if (conflict) throw new UsageError(conflict);
    if (opts.restart) {
      try {
        removeCheckpoint(dir);
        removeSavedModels(dir);
      } catch (err) {
        return refuse(`${fsReason(err)} removing the earlier checkpoint or models of ${dir}`);
      }
    }
    const tb = tensorboardEvents(run, dir, events);
    const outcome = await train(run, typeof data === 'function' ? await data() : data, backend, prov, tb.events, opts, dir, prior);
    tb.end(outcome.status);
    return outcome;
  } finally {
    taken.lock.release();
  }
}

async function train(
  run: PlannedRun,
  data: TrainerData,
  backend: BackendInfo & { line: string },
  prov: Provenance,
  events: RunEvents,
  opts: ExecuteOptions,
  dir: string,
  prior: StoredRunRecord | null,
): Promise<RunOutcome> {
  const cfg = run.config;
  const loaded = opts.restart ? { checkpoint: null, problem: null } : loadCheckpoint(dir, run.id);
  const ckpt = loaded.checkpoint;
  // A corrupted checkpoint is never trained on (no false `diverged`): the run starts afresh and says so.
  const note = loaded.problem ? `${loaded.problem}; trained afresh from epoch 0` : undefined;
  const record: RunRecord = {
    id: run.id,
    experiment: cfg.experiment,
    seed: run.seed,
    swept: run.swept,
    status: 'running',
    backend: backend.name,
    backend_reason: backend.line,
    custom_kernels: backend.customKernels,
    ...prov,
    config_file: RUN_FILES.config,
    config_hash: run.hash,
    started_at: new Date().toISOString(),
    ended_at: null,
    epochs_done: 0,
    epochs_total: cfg.train.epochs,
    attempts: [],
  };
  const saveRecord = () => writeJsonAtomic(join(dir, RUN_FILES.record), record);

  let trainer: Trainer | null = null;
  // The epoch being computed, for the error record.
  const at = { epoch: 0 };
  let fromEpoch = 0;
  try {
    writeJsonAtomic(join(dir, RUN_FILES.config), run.config);
    const model = buildModel(cfg.model, data.train.shape, data.classes, cfg.seed);
    record.parameters = parameterCount(model);
    trainer = new Trainer(cfg, model, data);
    const columns = trainer.columns;
    const csv = new MetricsCsv(join(dir, RUN_FILES.metrics), columns);
    let secondsBefore = 0;
    // Epoch-0 values the divergence rule compares with (from metrics.csv when resuming).
    let baseline: DivergenceBaseline | null = null;
    if (ckpt && truncateMetricsCsv(csv.path, columns, ckpt.meta.epoch)) {
      baseline = readBaseline(csv.path);
      await trainer.setState(ckpt.state);
      fromEpoch = ckpt.meta.epoch + 1;
      secondsBefore = ckpt.meta.seconds;
      // A resumed run keeps its history: first start time and earlier attempts.
      record.started_at = prior?.started_at ?? record.started_at;
      record.attempts = prior?.attempts ?? [];
      record.epochs_done = ckpt.meta.epoch;
    } else {
      csv.create();
    }
    record.attempts!.push({
      started_at: new Date().toISOString(), host: prov.host, pid: process.pid, from_epoch: fromEpoch, command: prov.command,
      backend: backend.name, ...(note ? { note } : {}),
    });
    saveRecord();
    events.onStart?.({ fromEpoch });

    const end = await runEpochs(trainer, { fromEpoch, secondsBefore, baseline, signal: opts.signal, at }, {
      onStep: (p) => events.onStep?.(p),
      onRow: (row) => {
        csv.append(row);
        record.epochs_done = row.epoch;
        events.onEpoch?.(row);
      },
      onSnapshot: (e) => saveModel(trainer!.model, snapshotDir(dir, e)),
      onCheckpoint: async (e, seconds) => writeCheckpoint(dir, { id: run.id, epoch: e, seconds }, await trainer!.getState()),
      onEpochEnd: () => saveRecord(),
    });
    if (end.diverged) {
      record.status = 'diverged';
      record.error = end.diverged;
    }
    if (end.stoppedEarly) record.stopped_early = end.stoppedEarly;
    if (end.flowTimeReached) record.flow_time_reached = end.flowTimeReached;
    if (record.status === 'running') {
      // The final model is part of a complete run (written before the status says so).
      await saveModel(trainer.model, join(dir, MODEL_DIR));
      record.status = 'complete';
    }
  } catch (err) {
    if (err instanceof Interrupted) record.status = 'interrupted';
    else {
      record.status = 'failed';
      // Typed errors (WriteFailure: "disk full (ENOSPC) writing <path>", LinkRefused) say it all.
      record.error = { epoch: at.epoch, message: (err as Error)?.message ?? String(err) };
      removeStaleTemps(dir); // a failed write leaves none of its temporaries
    }
  } finally {
    trainer?.dispose();
  }
  try {
    // Final results need no weights; failed/interrupted runs keep theirs to resume.
    if (record.status === 'complete' || record.status === 'diverged') removeCheckpoint(dir);
    record.ended_at = new Date().toISOString();
    saveRecord();
  } catch (err) {
    // run.json cannot be updated (disk still full): the outcome says so; the folder stays resumable.
    const message = `${record.error ? `${record.error.message}; ` : ''}run.json not updated: ${(err as Error)?.message ?? String(err)}`;
    return { id: run.id, status: 'failed', dir, error: { epoch: at.epoch, message }, fromEpoch, note };
  }
  return { id: run.id, status: record.status, dir, error: record.error, fromEpoch, note };
}
