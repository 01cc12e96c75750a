/**
 * What gc-measure measures: the saved model a path names, and the run it belongs to (if any),
 * whose config supplies the dataset, its preparation and the GC settings.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RunConfigSchema, type RunConfig } from '../config/schema.js';
import { UsageError } from '../errors/errors.js';
import { readRun, type MetricsRow, type RunData } from '../report/read-run.js';
import { MODEL_DIR, MODEL_JSON, SNAPSHOTS_DIR } from '../results/model-io.js';

/** A resolved gc-measure target. */
export interface MeasureSource {
  /** Folder holding model.json and its weights. */
  modelDir: string;
  /** The run the model belongs to, when its folder is a run's model/ or snapshots/epoch-NNNN/. */
  run?: {
    data: RunData;
    config: RunConfig;
    /** Training epoch the model is from (final model: the last metrics row's epoch). */
    epoch: number;
    /** The metrics.csv row of that epoch, when there is one. */
    row?: MetricsRow;
  };
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function runOf(runDir: string, what: string): { data: RunData; config: RunConfig } {
  const data = readRun(runDir);
  const parsed = RunConfigSchema.safeParse(data.config);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UsageError(`${join(runDir, 'config.json')}: not a run config this gc-run understands (${i.path.join('.') || '(root)'}: ${i.message}); measure ${what} with --dataset instead`);
  }
  return { data, config: parsed.data };
}

/**
 * Resolves `path`: a run folder (its model/), a model folder (a run's model/ or
 * snapshots/epoch-NNNN/, or a folder anywhere with model.json) or a model.json file.
 * UsageError (one line) when there is no model there.
 */
export function resolveSource(path: string): MeasureSource {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UsageError(`${path}: no such file or folder (expected a run folder, a model folder or a model.json)`);
  if (isDir(abs) && existsSync(join(abs, 'run.json'))) {
    const modelDir = join(abs, MODEL_DIR);
    const run = runOf(abs, path);
    if (!existsSync(join(modelDir, MODEL_JSON))) {
      throw new UsageError(
        `${path}: run has no saved model (${MODEL_DIR}/${MODEL_JSON} missing; run status '${run.data.record.status}': models are saved when a run completes)`,
      );
    }
    return withEpoch(modelDir, run);
  }
  let modelDir: string;
  if (isDir(abs)) {
    if (!existsSync(join(abs, MODEL_JSON))) throw new UsageError(`${path}: folder holds no ${MODEL_JSON} (expected a run folder or a saved model folder)`);
    modelDir = abs;
  } else {
    if (!abs.endsWith('.json')) throw new UsageError(`${path}: expected a run folder, a model folder or a model.json file`);
    modelDir = dirname(abs);
  }
  // A run's own model folders: <run>/model and <run>/snapshots/epoch-NNNN.
  const parent = dirname(modelDir);
  if (basename(modelDir) === MODEL_DIR && existsSync(join(parent, 'run.json'))) return withEpoch(modelDir, runOf(parent, path));
  const snap = /^epoch-(\d+)$/.exec(basename(modelDir));
  const runDir = dirname(parent);
  if (snap && basename(parent) === SNAPSHOTS_DIR && existsSync(join(runDir, 'run.json'))) {
    const run = runOf(runDir, path);
    const epoch = Number(snap[1]);
    return { modelDir, run: { ...run, epoch, row: run.data.metrics.find((r) => r.epoch === epoch) } };
  }
  return { modelDir };
}

function withEpoch(modelDir: string, run: { data: RunData; config: RunConfig }): MeasureSource {
  const row = run.data.metrics[run.data.metrics.length - 1];
  return { modelDir, run: { ...run, epoch: row?.epoch ?? 0, row } };
}
