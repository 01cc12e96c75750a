/**
 * Measurements of a model on given examples, shared by the trainer's per-epoch metrics and
 * gc-measure: GC by method, loss/accuracy/margins, neural collapse (CDNV + embedding GC).
 */
import * as tf from '#tf';
import { takeExamples, type Split } from '../data/split.js';
import { correctCount, crossEntropy } from '../metrics/classification.js';
import { geometricComplexity, type JacobianStrategy, type LogitsFn } from '../metrics/gc.js';
import { projectedGeometricComplexity } from '../metrics/gc-projection.js';
import { batchLabels, forEachBatch, type HostExamples } from '../metrics/examples.js';
import { margins } from '../metrics/margins.js';
import { classDistanceNormalizedVariance, embed, embeddingFn } from '../metrics/neural-collapse.js';
import type { LossFn } from '../metrics/loss.js';
import type { Rng } from '../rng/rng.js';

/** How GC is measured (the keys of the gc config block, plus the Jacobian strategy). */
export interface GcMethod {
  method: 'exact' | 'projection';
  batchSize: number;
  projections: number;
  strategy: JacobianStrategy;
}

/**
 * GC of `f` (outputs of width `outDim`) on `examples` by `m.method`; `rng` draws the projection
 * directions (method projection only).
 */
export async function gcBy(f: LogitsFn, examples: HostExamples, outDim: number, m: GcMethod, rng: () => Rng): Promise<number> {
  return m.method === 'exact'
    ? geometricComplexity(f, examples, outDim, m.batchSize, m.strategy)
    : projectedGeometricComplexity(f, examples, outDim, m.batchSize, m.projections, rng());
}

/**
 * Mean loss (`loss`: the run's train.loss; cross-entropy by default) and accuracy of `f` on a
 * whole split in batches, and with `withMargins` every example's margin (f_y − max_{j≠y} f_j)
 * from the same forward pass. The one loss/accuracy pass: the trainer's test columns and gc-measure.
 */
export async function lossAccuracyMargins(f: LogitsFn, split: Split, batchSize: number, loss?: LossFn): Promise<{ loss: number; acc: number; margins: Float32Array }>;
export async function lossAccuracyMargins(f: LogitsFn, split: Split, batchSize: number, loss: LossFn | undefined, withMargins: false): Promise<{ loss: number; acc: number }>;
export async function lossAccuracyMargins(f: LogitsFn, split: Split, batchSize: number, loss: LossFn = crossEntropy, withMargins = true): Promise<{ loss: number; acc: number; margins?: Float32Array }> {
  const all = withMargins ? new Float32Array(split.n) : undefined;
  let lossSum = 0;
  let correct = 0;
  await forEachBatch(split, batchSize, (xb, start, size) => {
    const yb = batchLabels(split.y, start, size);
    const logits = f(xb as tf.Tensor4D);
    const stats = tf.stack([tf.mul(loss(logits, yb), size), correctCount(logits, yb)]);
    return all ? [stats, margins(logits, yb)] : [stats];
  }, ([[l, c], m], start) => {
    all?.set(m, start);
    lossSum += l;
    correct += c;
  });
  return { loss: lossSum / split.n, acc: correct / split.n, ...(all ? { margins: all } : {}) };
}

/** The examples of `split` whose label is in `classes` (all when omitted), in order. */
export function ofClasses(split: Split, classes?: readonly number[]): Split {
  if (!classes) return split;
  const keep = new Set(classes);
  const idx: number[] = [];
  for (let i = 0; i < split.n; i++) if (keep.has(split.y[i])) idx.push(i);
  return takeExamples(split, idx);
}

/**
 * Neural collapse of `model` on `examples` (restricted to `classes` when given): CDNV of the
 * penultimate-layer embedding (metrics/neural-collapse.ts) and embedding GC, the GC of the map
 * input → embedding (outputs of width d: an exact pass costs d backward rows per example).
 */
export async function neuralCollapse(
  model: tf.LayersModel,
  examples: Split,
  m: GcMethod,
  rng: () => Rng,
  classes?: readonly number[],
): Promise<{ cdnv: number; embedding_gc: number; embedding_dim: number }> {
  const sub = ofClasses(examples, classes);
  const { fn, dim } = embeddingFn(model);
  const e = await embed(fn, dim, sub, Math.max(m.batchSize, 64));
  const { cdnv } = classDistanceNormalizedVariance(e, sub.y, dim, classes);
  const embedding_gc = await gcBy(fn, sub, dim, m, rng);
  return { cdnv, embedding_gc, embedding_dim: dim };
}

