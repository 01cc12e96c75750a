import type { RunConfig } from '../config/schema.js';
import type { ConfigIssue } from '../config/issues.js';
import type { PlannedRun } from '../config/sweep.js';
import { DATASETS } from '../data/registry.js';
import { ConfigError } from '../errors/errors.js';
import { CDNV_MIN_PER_CLASS } from '../metrics/neural-collapse.js';

/** Example counts a run's sizes are checked against. */
export interface SplitSizes {
  dataset: string;
  train: number;
  test: number;
  /** Classes of the data (neural-collapse examples are class-balanced over them); omitted: not checked. */
  classes?: number;
}

/**
 * Sizes in `cfg` that the data cannot supply (never clamped: a run on fewer examples than its
 * config says would be reported as what it is not). Memory-only batch sizes (train.eval_batch_size,
 * gc.batch_size) change no result and may exceed what they batch.
 */
export function sizeIssues(cfg: RunConfig, have: SplitSizes): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const { train_size, test_size } = cfg.dataset;
  if (train_size !== undefined && train_size > have.train) {
    out.push({ path: 'dataset.train_size', message: `${train_size} exceeds the ${have.train} training examples of ${have.dataset}` });
  }
  if (test_size !== undefined && test_size > have.test) {
    out.push({ path: 'dataset.test_size', message: `${test_size} exceeds the ${have.test} test examples of ${have.dataset}` });
  }
  const n = Math.min(train_size ?? have.train, have.train);
  const from = train_size !== undefined ? `dataset.train_size ${train_size}` : `all of ${have.dataset}`;
  if (cfg.gc.examples > n) {
    out.push({ path: 'gc.examples', message: `${cfg.gc.examples} exceeds the ${n} training examples GC is measured on (${from})` });
  }
  if (cfg.metrics.neural_collapse && cfg.metrics.nc_examples > n) {
    out.push({ path: 'metrics.nc_examples', message: `${cfg.metrics.nc_examples} exceeds the ${n} training examples neural collapse is measured on (${from})` });
  }
  // Class-balanced: floor(nc_examples / classes) or one more per class, and CDNV needs two in each.
  const perClass = CDNV_MIN_PER_CLASS * (have.classes ?? 0);
  if (cfg.metrics.neural_collapse && cfg.metrics.nc_examples < perClass) {
    out.push({
      path: 'metrics.nc_examples',
      message: `${cfg.metrics.nc_examples} leaves fewer than ${CDNV_MIN_PER_CLASS} examples to some of the ${have.classes} classes of ${have.dataset} (a class variance needs ${CDNV_MIN_PER_CLASS}); at least ${perClass}`,
    });
  }
  if (cfg.train.batch_size > n) {
    out.push({ path: 'train.batch_size', message: `${cfg.train.batch_size} exceeds the ${n} training examples (${from}); at most ${n}` });
  }
  return out;
}

/**
 * Checks every planned run's sizes against its dataset's known split sizes (the loader verifies
 * the files hold exactly these), before anything is loaded or written. A problem with a swept
 * key is reported at `sweep.grid.<key>`. Throws ConfigError (exit 2) naming key, value and limit.
 */
export function checkRunSizes(runs: PlannedRun[], file: string): void {
  const issues: ConfigIssue[] = [];
  for (const run of runs) {
    const info = DATASETS[run.config.dataset.name];
    for (const iss of sizeIssues(run.config, { dataset: info.name, train: info.trainSize, test: info.testSize, classes: info.numClasses })) {
      const path = iss.path in run.swept ? `sweep.grid.${iss.path}` : iss.path;
      if (!issues.some((i) => i.path === path && i.message === iss.message)) issues.push({ path, message: iss.message });
    }
  }
  if (issues.length) throw new ConfigError(file, issues);
}
