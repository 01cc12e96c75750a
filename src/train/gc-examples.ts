import type { RunConfig } from '../config/schema.js';
import { takeExamples, type Split } from '../data/split.js';
import { stratifiedIndices } from '../data/subset.js';
import { Rng } from '../rng/rng.js';

/**
 * Sizes are checked where a config meets its data (sizes.ts sizeIssues: by gc-run before
 * anything is written, by prepareRunData on the loaded data) and never shortened after: an
 * example set smaller than configured would be reported as what it is not. Reaching this with
 * too few examples is a bug of the caller, not bad input.
 */
function notMoreThan(n: number, have: number, key: string): number {
  if (n > have) throw new Error(`${key} ${n} exceeds the ${have} training examples given (sizes are checked before training: see train/sizes.ts)`);
  return n;
}

/**
 * A run's GC examples: gc.examples training examples in a permutation drawn from the run seed,
 * fixed for the whole run (the trainer measures on them, gc-measure re-creates them).
 */
export function gcExamplesOf(cfg: RunConfig, train: Split): Split {
  const n = notMoreThan(cfg.gc.examples, train.n, 'gc.examples');
  return takeExamples(train, Rng.derive(cfg.seed, 'gc-examples').permutation(train.n).subarray(0, n));
}

/**
 * A run's neural-collapse examples: a class-balanced subset of metrics.nc_examples training
 * examples, seeded from the run seed, fixed for the whole run.
 */
export function neuralCollapseExamplesOf(cfg: RunConfig, train: Split): Split {
  const n = notMoreThan(cfg.metrics.nc_examples, train.n, 'metrics.nc_examples');
  return takeExamples(train, stratifiedIndices(train.y, n, Rng.derive(cfg.seed, 'neural-collapse').int(2 ** 31)));
}
