/**
 * gc-measure's one measurement path: a saved model of a run through the trainer's own column
 * groups (columns/), so that what it prints is what metrics.csv logged.
 */
import type * as tf from '#tf';
import type { RunConfig } from '../config/schema.js';
import type { Split } from '../data/split.js';
import { lossFn } from '../metrics/loss.js';
import { SpectralNorms } from '../regularizers/spectral.js';
import type { MetricColumn } from '../results/columns.js';
import { Rng } from '../rng/rng.js';
import { columnGroups, measureGroups, modelColumns } from './columns/index.js';
import { gcExamplesOf } from './gc-examples.js';
import { penaltyTerms } from './objective.js';
import { params } from './trainer.js';

/**
 * Re-measures, on a saved model of a run, the epoch-row columns a model alone determines
 * (columns/group.ts `ofModel`): the same column groups the trainer logs with, on the same
 * example sets (test split, GC examples, neural-collapse examples), with the run's loss and the
 * projection streams of `epoch`. `data`: the run's prepared splits (runner/data-prep.ts).
 * @returns the values of those columns, in metrics.csv order
 */
export async function measureRunColumns(
  cfg: RunConfig,
  model: tf.LayersModel,
  data: { train: Split; test: Split; classes: number },
  epoch: number,
): Promise<Partial<Record<MetricColumn, number | null>>> {
  const p = params(model);
  const spectral = new SpectralNorms(p.kernels, Rng.derive(cfg.seed, 'spectral').int(2 ** 31));
  try {
    const infer = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor2D;
    const loss = lossFn(cfg.train.loss);
    const groups = columnGroups({ cfg, model, infer, data, gcExamples: gcExamplesOf(cfg, data.train), params: p, spectral, terms: penaltyTerms(cfg, spectral), loss });
    const values = await measureGroups(groups, { epoch, gcDue: true, train: null });
    return Object.fromEntries(modelColumns(groups).map((c) => [c, values[c]]));
  } finally {
    spectral.dispose();
  }
}
