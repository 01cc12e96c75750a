import { join } from 'node:path';
import type { PlannedRun } from '../config/sweep.js';
import { readMetricsRows } from '../results/csv-resume.js';
import { RUN_FILES } from '../results/run-folder.js';
import { runHparams, TensorboardRunLog, tensorboardLogdir, writeHparamsConfig } from '../results/tensorboard/run-log.js';
import type { RunEvents } from './progress.js';

/**
 * Tees a run's events into its TensorBoard event files (<results>/<experiment>/tensorboard/<run id>/),
 * when the run's config says logging.tensorboard. `end` closes them with the run's outcome.
 */
export function tensorboardEvents(run: PlannedRun, dir: string, events: RunEvents): { events: RunEvents; end(status: string): void } {
  if (!run.config.logging.tensorboard) return { events, end: () => {} };
  let log: TensorboardRunLog | null = null;
  let step = 0;
  const tbDir = join(tensorboardLogdir(run.config.output_dir, run.config.experiment), run.id);
  return {
    events: {
      onStart(info) {
        // A resume continues from the step of the last row kept (the checkpoint's).
        const rows = info.fromEpoch > 0 ? readMetricsRows(join(dir, RUN_FILES.metrics)) : [];
        step = rows.length ? Number(rows.at(-1)!.step) : 0;
        log = new TensorboardRunLog(tbDir, info.fromEpoch > 0 ? step : null, runHparams(run.swept, run.seed), rows);
        events.onStart?.(info);
      },
      onStep(p) {
        step = (p.epoch - 1) * p.batches + p.batch;
        log?.step(step, p.batch, p.batches, p.loss);
        events.onStep?.(p);
      },
      onEpoch(row) {
        step = row.step;
        log?.epoch(row);
        events.onEpoch?.(row);
      },
    },
    end(status) {
      log?.end(status, step);
      log = null;
    },
  };
}

/** The sweep's HParams config (every hparam with the values of `runs`), when its runs log to TensorBoard. */
export function writeTensorboardExperiment(runs: PlannedRun[]): void {
  const cfg = runs[0]?.config;
  if (!cfg?.logging.tensorboard) return;
  writeHparamsConfig(tensorboardLogdir(cfg.output_dir, cfg.experiment), cfg.experiment, runs);
}
