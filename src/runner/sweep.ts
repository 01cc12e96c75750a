import type { PlannedRun } from '../config/sweep.js';
import type { BackendInfo } from '../backend/select.js';
import type { SweepProgress } from './progress.js';
import type { LoadedDataset } from '../data/registry.js';
import { collectProvenance } from '../results/record.js';
import type { LockOptions } from '../results/lock.js';
import { datasetKey, loadDatasets, prepareRunData } from './data-prep.js';
import { executeRun, readRecord, runDir, type RunOutcome } from './run-one.js';
import { describeEnd } from './run-end.js';

/** Options shared by the in-process runner and the worker pool. */
export interface SweepCommonOptions {
  dataDir?: string;
  download?: boolean;
  argv?: readonly string[];
  /** Train the runs from scratch, ignoring checkpoints and earlier outcomes. */
  restart?: boolean;
  /** Abort = stop cleanly: the current run ends at its last checkpoint, no further run starts. */
  signal?: AbortSignal;
  lock?: LockOptions;
}

export interface SweepOptions extends SweepCommonOptions {
  backend: BackendInfo & { line: string };
  progress: SweepProgress;
}

/** Whether a run still has work to do (not complete, or restarting): only those need data. */
export function needsTraining(run: PlannedRun, restart = false): boolean {
  return restart || readRecord(runDir(run))?.status !== 'complete';
}

/** The configs of the runs that will train: only their datasets are fetched and loaded. */
export function configsToTrain(runs: PlannedRun[], restart = false): PlannedRun['config'][] {
  return runs.filter((r) => needsTraining(r, restart)).map((r) => r.config);
}

/** Loads (once each) the datasets of the runs that will train. */
export async function loadSweepData(
  runs: PlannedRun[],
  opts: { dataDir?: string; download?: boolean; restart?: boolean },
): Promise<Map<string, LoadedDataset>> {
  return loadDatasets(configsToTrain(runs, opts.restart), { dataDir: opts.dataDir, download: opts.download });
}

/**
 * Runs planned runs one after another in this process. A failing run never stops the sweep:
 * its outcome says failed/diverged and the next run starts. Runs locked by another live process
 * come back `busy`; after an abort, runs not started come back `pending` with no work done.
 */
export async function runSweep(runs: PlannedRun[], opts: SweepOptions): Promise<RunOutcome[]> {
  const prov = collectProvenance(opts.argv);
  const datasets = await loadSweepData(runs, opts);
  const outcomes: RunOutcome[] = [];
  try {
    for (const [i, run] of runs.entries()) {
      if (opts.signal?.aborted) {
        outcomes.push({ id: run.id, status: 'pending', dir: runDir(run), earlier: true });
        continue;
      }
      let started = false;
      const outcome = await executeRun(
        run,
        () => prepareRunData(run.config, datasets.get(datasetKey(run.config))!),
        opts.backend,
        prov,
        {
          onStart: ({ fromEpoch }) => {
            started = true;
            opts.progress.startRun(i, runs.length, run.id, run.config.train.epochs, fromEpoch);
          },
          onStep: (p) => opts.progress.step(p),
          onEpoch: (row) => opts.progress.epoch(row),
        },
        { restart: opts.restart, signal: opts.signal, lock: opts.lock },
      );
      if (started) opts.progress.endRun(describeEnd(outcome, run));
      outcomes.push(outcome);
    }
  } finally {
    opts.progress.stop();
  }
  return outcomes;
}
