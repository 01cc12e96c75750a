import { join } from 'node:path';
import { EventFileWriter, ownEventFiles } from './event-file.js';
import { HParamsPluginDataType, HPARAMS_STATUS, HPARAMS_TYPE, protoValue } from './proto.js';

/** Where TensorBoard files go: <output_dir>/<experiment>/tensorboard/ (the logdir to open). */
export const TENSORBOARD_DIR = 'tensorboard';

/** The logdir of an experiment; each run writes into <logdir>/<run id>/. */
export function tensorboardLogdir(outputDir: string, experiment: string): string {
  return join(outputDir, experiment, TENSORBOARD_DIR);
}

/** Columns that are the x axis, not a series: the step is each event's step. */
const NOT_SCALARS = new Set(['step']);

/** Metrics the HParams dashboard shows per run (their last logged value). */
export const HPARAMS_METRICS = ['gc', 'gc_margin', 'test_acc', 'train_acc', 'test_loss', 'train_loss', 'weight_norm_sq', 'epoch'] as const;

function hparamsSummary(w: EventFileWriter, step: number, tag: string, data: Record<string, unknown>): void {
  const msg = HParamsPluginDataType.fromObject({ version: 0, ...data });
  w.pluginSummary(step, tag, 'hparams', HParamsPluginDataType.encode(msg).finish());
}

/** A run's hparams: its swept values and its seed. */
export function runHparams(swept: Record<string, unknown>, seed: number): Record<string, unknown> {
  return { ...swept, seed };
}

/**
 * The experiment-level HParams config (which hparams and metrics the dashboard's table has, each
 * hparam with the discrete values of the sweep), written into the logdir itself. Rewritten
 * whole by every gc-run invocation of the sweep.
 */
export function writeHparamsConfig(logdir: string, experiment: string, runs: { swept: Record<string, unknown>; seed: number }[], metrics: readonly string[] = HPARAMS_METRICS): void {
  const values = new Map<string, unknown[]>();
  for (const r of runs) {
    for (const [k, v] of Object.entries(runHparams(r.swept, r.seed))) {
      const list = values.get(k) ?? [];
      if (!list.some((x) => JSON.stringify(x) === JSON.stringify(v))) list.push(v);
      values.set(k, list);
    }
  }
  const hparamInfos = [...values].map(([name, vs]) => ({
    name,
    type: vs.every((v) => typeof v === 'number') ? HPARAMS_TYPE.float64 : vs.every((v) => typeof v === 'boolean') ? HPARAMS_TYPE.bool : HPARAMS_TYPE.string,
    domainDiscrete: { values: vs.map(protoValue) },
    differs: vs.length > 1,
  }));
  const w = new EventFileWriter(logdir, null);
  hparamsSummary(w, 0, '_hparams_/experiment', {
    experiment: { name: experiment, timeCreatedSecs: Date.now() / 1000, hparamInfos, metricInfos: metrics.map((tag) => ({ name: { group: '', tag } })) },
  });
  w.close();
}

/** What a run's end means to the HParams dashboard. */
export type RunEnd = 'complete' | 'failed' | 'diverged' | 'interrupted' | string;

/** Training loss points per epoch at most (every k-th step, k fixed by the epoch's length). */
export const STEP_POINTS_PER_EPOCH = 25;

/**
 * One run's event files: metrics.csv rows as scalars per epoch (step = SGD step), the batch
 * loss every few steps (`train/batch_loss`), and the HParams session (start with the run's
 * hparams; end with its status). Flushed after every epoch and at the end.
 */
export class TensorboardRunLog {
  private readonly w: EventFileWriter;
  private every = 1;

  /**
   * `resumeStep`: the SGD step of the checkpoint the run resumes from, null for a fresh start.
   * `earlierRows`: for a resumed run that logged no event files before (TensorBoard turned on at
   * the resume), its metrics.csv rows so far, written first.
   */
  constructor(dir: string, resumeStep: number | null, hparams: Record<string, unknown>, earlierRows: Record<string, number | null>[] = []) {
    const fresh = resumeStep === null || ownEventFiles(dir).length === 0;
    this.w = new EventFileWriter(dir, resumeStep);
    if (fresh) {
      hparamsSummary(this.w, 0, '_hparams_/session_start_info', {
        sessionStartInfo: { hparams: Object.fromEntries(Object.entries(hparams).map(([k, v]) => [k, protoValue(v)])), startTimeSecs: Date.now() / 1000 },
      });
      for (const row of earlierRows) this.epoch(row);
      this.w.flush();
    }
  }

  /** One metrics.csv row: every numeric column but the step, at the row's step. */
  epoch(row: Record<string, number | null | undefined>): void {
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) if (!NOT_SCALARS.has(k) && typeof v === 'number') values[k] = v;
    this.w.scalars(Number(row.step), values);
    this.w.flush();
  }

  /** A training step (`batch` 1-based of `batches`; `globalStep` the SGD step after it). */
  step(globalStep: number, batch: number, batches: number, loss: number): void {
    this.every = Math.max(1, Math.ceil(batches / STEP_POINTS_PER_EPOCH));
    if (batch % this.every === 0 || batch === batches) this.w.scalars(globalStep, { 'train/batch_loss': loss });
  }

  /** The run ended: complete / failed / diverged close the HParams session; interrupted leaves it open to resume. */
  end(status: RunEnd, step: number): void {
    if (status === 'complete' || status === 'failed' || status === 'diverged') {
      hparamsSummary(this.w, step, '_hparams_/session_end_info', {
        sessionEndInfo: { status: status === 'complete' ? HPARAMS_STATUS.success : HPARAMS_STATUS.failure, endTimeSecs: Date.now() / 1000 },
      });
    }
    this.w.close();
  }
}
