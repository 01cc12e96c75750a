import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedRun } from '../config/sweep.js';
import type { BackendInfo } from '../backend/select.js';
import { buildModel } from '../models/build.js';
import { writeJsonAtomic } from '../results/atomic.js';
import { BASE_COLUMNS, MetricsCsv } from '../results/metrics-csv.js';
import type { Provenance, RunRecord, RunStatus } from '../results/record.js';
import { Trainer, type EpochRow, type StepProgress, type TrainerData } from './trainer.js';

/** Events a run reports to the progress display. */
export interface RunEvents {
  onStep?(p: StepProgress): void;
  onEpoch?(row: EpochRow): void;
}

export interface RunOutcome {
  id: string;
  status: RunStatus | 'skipped';
  dir: string;
  error?: { epoch: number; message: string };
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

/**
 * Trains one planned run into its folder: config.json, run.json (status kept current, written
 * atomically) and metrics.csv (a row per epoch, flushed). A run already complete is skipped.
 * Exceptions and non-finite loss/GC end the run as failed/diverged, never the sweep.
 */
export async function executeRun(
  run: PlannedRun,
  data: TrainerData,
  backend: BackendInfo & { line: string },
  prov: Provenance,
  events: RunEvents = {},
): Promise<RunOutcome> {
  const dir = runDir(run);
  const prior = existsSync(dir) ? readRecord(dir) : null;
  if (prior?.status === 'complete') return { id: run.id, status: 'skipped', dir };
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'config.json'), run.config);
  const record: RunRecord = {
    id: run.id,
    experiment: run.config.experiment,
    seed: run.seed,
    swept: run.swept,
    status: 'running',
    backend: backend.name,
    backend_reason: backend.line,
    custom_kernels: backend.customKernels,
    ...prov,
    started_at: new Date().toISOString(),
    ended_at: null,
    epochs_done: 0,
    epochs_total: run.config.train.epochs,
  };
  const saveRecord = () => writeJsonAtomic(join(dir, 'run.json'), record);
  saveRecord();

  const cfg = run.config;
  let trainer: Trainer | null = null;
  let epoch = 0;
  const t0 = performance.now();
  try {
    const model = buildModel(cfg.model, data.train.shape, data.classes, cfg.seed);
    trainer = new Trainer(cfg, model, data);
    const csv = new MetricsCsv(join(dir, 'metrics.csv'), [...BASE_COLUMNS, ...trainer.regularizerColumns]);
    csv.create();
    let train: { loss: number; acc: number; penalties: number[] } | null = null;
    const target = cfg.train.stop_train_acc;
    for (epoch = 0; epoch <= cfg.train.epochs; epoch++) {
      if (epoch > 0) train = await trainer.trainEpoch(events.onStep);
      // A run that stops early here still ends on a GC measurement.
      const stopping = target !== undefined && train !== null && train.acc >= target;
      const m = await trainer.measure(stopping);
      const row: EpochRow = {
        epoch,
        step: trainer.step,
        lr: cfg.optimizer.lr,
        train_loss: train?.loss ?? null,
        train_acc: train?.acc ?? null,
        ...m,
        seconds: (performance.now() - t0) / 1000,
      };
      trainer.penaltyColumns.forEach((c, i) => {
        row[c] = train && trainer!.terms[i].lambda > 0 ? train.penalties[i] : null;
      });
      csv.append(row);
      record.epochs_done = epoch;
      events.onEpoch?.(row);
      const bad = [row.train_loss, row.test_loss, row.gc].find((v) => v !== null && !Number.isFinite(v));
      if (bad !== undefined) {
        record.status = 'diverged';
        record.error = { epoch, message: `non-finite value (${bad}) in loss or GC at epoch ${epoch}` };
        break;
      }
      if (stopping) {
        record.stopped_early = { epoch, train_acc: train!.acc };
        break;
      }
      saveRecord();
    }
    if (record.status === 'running') record.status = 'complete';
  } catch (err) {
    record.status = 'failed';
    record.error = { epoch, message: (err as Error)?.message ?? String(err) };
  } finally {
    trainer?.dispose();
  }
  record.ended_at = new Date().toISOString();
  saveRecord();
  return { id: run.id, status: record.status, dir, error: record.error };
}
