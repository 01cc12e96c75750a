import type { RunConfig } from '../config/schema.js';
import { takeExamples, type Split } from '../data/split.js';
import { stratifiedIndices } from '../data/subset.js';
import { Rng } from '../rng/rng.js';

/**
 * A run's GC examples: min(gc.examples, n) training examples in a permutation drawn from the
 * run seed, fixed for the whole run (the trainer measures on them, gc-measure re-creates them).
 */
export function gcExamplesOf(cfg: RunConfig, train: Split): Split {
  const n = Math.min(cfg.gc.examples, train.n);
  return takeExamples(train, Rng.derive(cfg.seed, 'gc-examples').permutation(train.n).subarray(0, n));
}

/**
 * A run's neural-collapse examples: a class-balanced subset of metrics.nc_examples training
 * examples, seeded from the run seed, fixed for the whole run. A count beyond the data is refused
 * before training (sizeIssues), so the min() below never shortens what the config asked for.
 */
export function neuralCollapseExamplesOf(cfg: RunConfig, train: Split): Split {
  const n = Math.min(cfg.metrics.nc_examples, train.n);
  return takeExamples(train, stratifiedIndices(train.y, n, Rng.derive(cfg.seed, 'neural-collapse').int(2 ** 31)));
}
