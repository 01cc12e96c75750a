/**
 * The GC columns: GC, its wall time, and the logit-scale columns (margins, ||f||²) of one run,
 * measured on its fixed GC examples at every GC epoch.
 */
import * as tf from '#tf';
import type { RunConfig } from '../../config/schema.js';
import type { Split } from '../../data/split.js';
import { geometricComplexity, jacobianStrategyFor, type LogitsFn } from '../../metrics/gc.js';
import { explainGcMemoryError } from '../../metrics/gc-memory.js';
import { projectedGeometricComplexity } from '../../metrics/gc-projection.js';
import { batchLabels, forEachBatch } from '../../metrics/examples.js';
import { marginColumns, marginSums, type MarginColumns } from '../../metrics/margins.js';
import { GC_COLUMNS, MARGIN_COLUMNS } from '../../results/columns.js';
import { Rng } from '../../rng/rng.js';
import { empty, type ColumnGroup, type GroupContext } from './group.js';

/**
 * GC of `f` on `examples` by `cfg.gc.method`. Projection directions come from a stream derived
 * from (run seed, epoch): fresh at every measurement, identical when a run is repeated.
 */
export async function gcOf(cfg: RunConfig, f: LogitsFn, examples: Split, classes: number, epoch: number): Promise<number> {
  const { method, batch_size, projections } = cfg.gc;
  try {
    if (method === 'exact') {
      return await geometricComplexity(f, examples, classes, batch_size, jacobianStrategyFor(cfg.model.arch));
    }
    const rng = Rng.derive(cfg.seed, `gc-projection:${epoch}`);
    return await projectedGeometricComplexity(f, examples, classes, batch_size, projections, rng);
  } catch (err) {
    throw explainGcMemoryError(err, cfg.gc, classes);
  }
}

/** MarginColumns of `f` on `examples` (logits in batches of `batchSize`), with `gc` measured on the same examples. */
export async function marginColumnsOf(f: LogitsFn, examples: Split, batchSize: number, gc: number): Promise<MarginColumns> {
  const sums = new Float64Array(3);
  await forEachBatch(examples, batchSize, (xb, start, size) => marginSums(f(xb as tf.Tensor4D), batchLabels(examples.y, start, size)), ([v]) => {
    for (let i = 0; i < 3; i++) sums[i] += v[i];
  });
  return marginColumns(sums, examples.n, gc);
}

export function gcGroup({ cfg, infer, gcExamples, data }: GroupContext): ColumnGroup {
  return {
    columns: GC_COLUMNS,
    when: 'gc epochs',
    ofModel: ['gc', ...MARGIN_COLUMNS],
    measure: async ({ epoch, gcDue }) => {
      if (!gcDue) return empty(GC_COLUMNS);
      const t0 = performance.now();
      const gc = await gcOf(cfg, infer, gcExamples, data.classes, epoch);
      // Measured, so the README's statement of GC cost rests on numbers in every metrics.csv.
      const gc_seconds = (performance.now() - t0) / 1000;
      return { gc, gc_seconds, ...(await marginColumnsOf(infer, gcExamples, cfg.gc.batch_size, gc)) };
    },
  };
}
