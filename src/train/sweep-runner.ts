import type { PlannedRun } from '../config/sweep.js';
import type { BackendInfo } from '../backend/select.js';
import type { SweepProgress } from '../cli/progress.js';
import { collectProvenance } from '../results/record.js';
import { datasetKey, loadDatasets, prepareRunData } from './data-prep.js';
import { executeRun, type RunOutcome } from './run-one.js';

export interface SweepOptions {
  backend: BackendInfo & { line: string };
  progress: SweepProgress;
  dataDir?: string;
  download?: boolean;
  argv?: readonly string[];
}

/**
 * Runs planned runs one after another in this process. A failing run never stops the sweep:
 * its outcome says failed/diverged and the next run starts.
 */
export async function runSweep(runs: PlannedRun[], opts: SweepOptions): Promise<RunOutcome[]> {
  const prov = collectProvenance(opts.argv);
  const datasets = await loadDatasets(runs.map((r) => r.config), { dataDir: opts.dataDir, download: opts.download });
  const outcomes: RunOutcome[] = [];
  try {
    for (const [i, run] of runs.entries()) {
      opts.progress.startRun(i, runs.length, run.id, run.config.train.epochs);
      const data = prepareRunData(run.config, datasets.get(datasetKey(run.config))!);
      const outcome = await executeRun(run, data, opts.backend, prov, {
        onStep: (p) => opts.progress.step(p),
        onEpoch: (row) => opts.progress.epoch(row),
      });
      opts.progress.endRun(outcome.status + (outcome.error ? `: ${outcome.error.message}` : ''));
      outcomes.push(outcome);
    }
  } finally {
    opts.progress.stop();
  }
  return outcomes;
}
