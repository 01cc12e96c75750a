/**
 * metrics.neural_collapse: `cdnv` and `embedding_gc` at every GC epoch, on the run's
 * neural-collapse examples (a seeded class-balanced subset of metrics.nc_examples training
 * examples, gc-examples.ts): the class-distance normalised variance of the penultimate-layer
 * embedding and the GC of input → embedding (src/metrics/neural-collapse.ts), GC by cfg.gc's
 * method with projection directions from (run seed, epoch).
 */
import type * as tf from '#tf';
import type { RunConfig } from '../../config/schema.js';
import type { Split } from '../../data/split.js';
import { jacobianStrategyFor } from '../../metrics/gc.js';
import { explainGcMemoryError } from '../../metrics/gc-memory.js';
import { NEURAL_COLLAPSE_COLUMNS } from '../../results/columns.js';
import { Rng } from '../../rng/rng.js';
import { neuralCollapseExamplesOf } from '../gc-examples.js';
import { neuralCollapse } from '../model-measures.js';
import { empty, type ColumnGroup, type GroupContext } from './group.js';

/** CDNV and embedding GC of `model` on `examples` after `epoch`, as the trainer logs them (embedding_dim: the width d). */
export async function neuralCollapseOf(
  cfg: RunConfig,
  model: tf.LayersModel,
  examples: Split,
  classes: number,
  epoch: number,
): Promise<{ cdnv: number; embedding_gc: number; embedding_dim: number }> {
  const { method, batch_size, projections } = cfg.gc;
  const strategy = jacobianStrategyFor(cfg.model.arch);
  try {
    return await neuralCollapse(model, examples, { method, batchSize: batch_size, projections, strategy }, () => Rng.derive(cfg.seed, `nc-projection:${epoch}`));
  } catch (err) {
    throw explainGcMemoryError(err, cfg.gc, classes);
  }
}

export function neuralCollapseGroup({ cfg, model, data }: GroupContext): ColumnGroup | null {
  if (!cfg.metrics.neural_collapse) return null;
  const examples = neuralCollapseExamplesOf(cfg, data.train);
  return {
    columns: NEURAL_COLLAPSE_COLUMNS,
    when: 'gc epochs',
    ofModel: NEURAL_COLLAPSE_COLUMNS,
    measure: async ({ epoch, gcDue }) => {
      if (!gcDue) return empty(NEURAL_COLLAPSE_COLUMNS);
      const { cdnv, embedding_gc } = await neuralCollapseOf(cfg, model, examples, data.classes, epoch);
      return { cdnv, embedding_gc };
    },
  };
}
