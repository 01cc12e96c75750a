import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedRun } from '../config/sweep.js';
import type { BackendInfo } from '../backend/select.js';
import { buildModel, parameterCount } from '../models/build.js';
import { writeJsonAtomic } from '../results/atomic.js';
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from '../results/checkpoint.js';
import { removeSavedModels, saveModel, snapshotDir, MODEL_DIR } from '../results/model-io.js';
import { truncateMetricsCsv } from '../results/csv-resume.js';
import { acquireRunLock, type LockInfo, type LockOptions } from '../results/lock.js';
import { BASE_COLUMNS, MetricsCsv } from '../results/metrics-csv.js';
import type { Provenance, RunRecord, RunStatus } from '../results/record.js';
import { Trainer, type EpochRow, type StepProgress, type TrainerData } from '../train/trainer.js';
import { baselineOf, divergenceReason, type DivergenceBaseline } from '../train/divergence.js';

/** Events a run reports to the progress display. */
export interface RunEvents {
  /** Training begins (after the lock is taken); `fromEpoch` > 0 when resuming from a checkpoint. */
  onStart?(info: { fromEpoch: number }): void;
  onStep?(p: StepProgress): void;
  onEpoch?(row: EpochRow): void;
}

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
  /** skipped: complete before; busy: locked by another live process (running elsewhere). */
  status: RunStatus | 'skipped' | 'busy';
  dir: string;
  error?: { epoch: number; message: string };
  /** True when the status comes from an earlier invocation (nothing was trained now). */
  earlier?: boolean;
  /** Epoch training resumed from (0 = fresh start), when it trained. */
  fromEpoch?: number;
  holder?: LockInfo;
}

/** Folder of one run: <output_dir>/<experiment>/<run id>. */
export function runDir(run: PlannedRun): string {
  return join(run.config.output_dir, run.config.experiment, run.id);
}

/** Reads a run's run.json, or null when absent/unreadable. */
export function readRecord(dir: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

class Interrupted extends Error {}

/** Epoch-0 loss and ||θ||² from a metrics.csv (null when its first row lacks them). */
function readBaseline(path: string): DivergenceBaseline | null {
  const [header, first] = readFileSync(path, 'utf8').split('\n');
  const cols = header.split(',');
  const cells = (first ?? '').split(',');
  const at = (c: string) => (cells[cols.indexOf(c)] ? Number(cells[cols.indexOf(c)]) : NaN);
  if (at('epoch') !== 0) return null;
  const b = { loss: at('test_loss'), weight_norm_sq: at('weight_norm_sq') };
  return Number.isFinite(b.loss) && Number.isFinite(b.weight_norm_sq) ? b : null;
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
  mkdirSync(dir, { recursive: true });
  const taken = acquireRunLock(dir, opts.lock);
  if (!taken.acquired) return { id: run.id, status: 'busy', dir, holder: taken.holder };
  try {
    // Read again under the lock: another process may have finished it meanwhile.
    const prior = readRecord(dir);
    if (!opts.restart && prior?.status === 'complete') return { id: run.id, status: 'skipped', dir, earlier: true };
    if (!opts.restart && prior?.status === 'diverged') {
      return { id: run.id, status: 'diverged', dir, error: prior.error, earlier: true };
    }
    if (opts.restart) {
      removeCheckpoint(dir);
      removeSavedModels(dir);
    }
    return await train(run, typeof data === 'function' ? await data() : data, backend, prov, events, opts, dir, prior);
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
  prior: RunRecord | null,
): Promise<RunOutcome> {
  writeJsonAtomic(join(dir, 'config.json'), run.config);
  const cfg = run.config;
  const ckpt = opts.restart ? null : readCheckpoint(dir, run.id);
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
    config_file: 'config.json',
    config_hash: run.id.slice(run.id.lastIndexOf('-') + 1),
    started_at: new Date().toISOString(),
    ended_at: null,
    epochs_done: 0,
    epochs_total: cfg.train.epochs,
    attempts: [],
  };
  const saveRecord = () => writeJsonAtomic(join(dir, 'run.json'), record);

  let trainer: Trainer | null = null;
  let epoch = 0;
  let fromEpoch = 0;
  try {
    const model = buildModel(cfg.model, data.train.shape, data.classes, cfg.seed);
    record.parameters = parameterCount(model);
    trainer = new Trainer(cfg, model, data);
    const columns = [...BASE_COLUMNS, ...trainer.regularizerColumns, ...trainer.metricColumns];
    const csv = new MetricsCsv(join(dir, 'metrics.csv'), columns);
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
    record.attempts!.push({ started_at: new Date().toISOString(), host: prov.host, pid: process.pid, from_epoch: fromEpoch, command: prov.command });
    saveRecord();
    events.onStart?.({ fromEpoch });

    const t0 = performance.now();
    const seconds = () => secondsBefore + (performance.now() - t0) / 1000;
    const onStep = async (p: StepProgress) => {
      events.onStep?.(p);
      // On cpu/wasm a whole epoch can run on microtasks alone: yield so signals, IPC and the lock heartbeat get through.
      await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) throw new Interrupted();
    };
    let train: { loss: number; acc: number; penalties: number[] } | null = null;
    const target = cfg.train.stop_train_acc;
    for (epoch = fromEpoch; epoch <= cfg.train.epochs; epoch++) {
      if (opts.signal?.aborted) throw new Interrupted();
      if (epoch > 0) train = await trainer.trainEpoch(onStep);
      // A run that stops early here still ends on a GC measurement.
      const stopping = target !== undefined && train !== null && train.acc >= target;
      const flowEnd = epoch > 0 && trainer.flowTimeReached;
      const m = await trainer.measure(stopping || flowEnd);
      const row: EpochRow = {
        epoch,
        step: trainer.step,
        // polyak: the cap lr_max (the steps taken are in step_size_*)
        lr: cfg.optimizer.name === 'polyak' ? cfg.optimizer.lr_max : cfg.optimizer.lr,
        train_loss: train?.loss ?? null,
        train_acc: train?.acc ?? null,
        ...m,
        seconds: seconds(),
      };
      trainer.penaltyColumns.forEach((c, i) => {
        row[c] = train && trainer!.terms[i].lambda > 0 ? train.penalties[i] : null;
      });
      csv.append(row);
      record.epochs_done = epoch;
      events.onEpoch?.(row);
      if (epoch === 0) baseline = baselineOf(row);
      const diverged = divergenceReason(row, baseline);
      if (diverged !== null) {
        record.status = 'diverged';
        record.error = { epoch, message: diverged };
        break;
      }
      if (stopping) record.stopped_early = { epoch, train_acc: train!.acc };
      if (flowEnd) record.flow_time_reached = { epoch, step: trainer.step, flow_time: cfg.train.flow_time! };
      if (stopping || flowEnd) break;
      const every = cfg.train.save_every;
      if (every !== undefined && epoch % every === 0) await saveModel(trainer.model, snapshotDir(dir, epoch));
      // Row first, then checkpoint: a crash in between only redoes this epoch.
      if (epoch < cfg.train.epochs) writeCheckpoint(dir, { id: run.id, epoch, seconds: row.seconds }, await trainer.getState());
      saveRecord();
    }
    if (record.status === 'running') {
      // The final model is part of a complete run (written before the status says so).
      await saveModel(trainer.model, join(dir, MODEL_DIR));
      record.status = 'complete';
    }
  } catch (err) {
    if (err instanceof Interrupted) record.status = 'interrupted';
    else {
      record.status = 'failed';
      record.error = { epoch, message: (err as Error)?.message ?? String(err) };
    }
  } finally {
    trainer?.dispose();
  }
  // Final results need no weights; failed/interrupted runs keep theirs to resume.
  if (record.status === 'complete' || record.status === 'diverged') removeCheckpoint(dir);
  record.ended_at = new Date().toISOString();
  saveRecord();
  return { id: run.id, status: record.status, dir, error: record.error, fromEpoch };
}
