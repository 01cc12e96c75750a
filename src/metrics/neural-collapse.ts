/**
 * Neural-collapse measurements on a model's penultimate-layer embedding (Munn, Dherin, Gonzalvo,
 * NeurIPS 2024: lower GC of a pre-trained model goes with more neural collapse).
 *
 * CDNV, the class-distance normalised variance of Galanti, György, Hutter ("On the role of
 * neural collapse in transfer learning", ICLR 2022, Def. 1), as used by Munn et al. 2024:
 *   V(i, j) = (σ_i² + σ_j²) / (2 ‖μ_i − μ_j‖²),
 *   μ_c = (1/n_c) Σ_{x in class c} e(x),   σ_c² = (1/n_c) Σ_{x in class c} ‖e(x) − μ_c‖²
 * (σ_c² is the total variance: the trace of the class covariance, with the population 1/n_c
 * normalisation of their expectation E_{x~Q_c}), and the reported CDNV is the mean of V(i, j)
 * over all unordered pairs i < j of the classes measured. Perfect collapse (every embedding at
 * its class mean, distinct means) gives 0.
 */
import * as tf from '#tf';
import type { LogitsFn } from './gc.js';
import { forEachBatch, type HostExamples } from './examples.js';

/** Result of classDistanceNormalizedVariance. */
export interface Cdnv {
  /** Mean of V(i, j) over the pairs. */
  cdnv: number;
  /** Classes measured (those with at least one example), ascending. */
  classes: number[];
  /** σ_c² per measured class (same order). */
  variances: number[];
}

/** Fewest examples per class, and fewest classes, that make the CDNV defined: σ_c² needs two. */
export const CDNV_MIN_PER_CLASS = 2;

/**
 * Why labels `labels` cannot define a CDNV over the classes in `only` (default: every class
 * present), or null when they can: at least two classes, each with at least
 * CDNV_MIN_PER_CLASS examples (one example has no variance, so its σ_c² would be a false 0).
 */
export function cdnvShortfall(labels: ArrayLike<number>, only?: readonly number[]): string | null {
  const count = new Map<number, number>((only ?? []).map((c) => [c, 0]));
  for (let i = 0; i < labels.length; i++) if (!only || count.has(labels[i])) count.set(labels[i], (count.get(labels[i]) ?? 0) + 1);
  const few = [...count].filter(([, n]) => n < CDNV_MIN_PER_CLASS).sort((a, b) => a[0] - b[0]);
  if (count.size >= 2 && few.length === 0) return null;
  const list = few.slice(0, 5).map(([c, n]) => `class ${c}: ${n}`).join(', ') + (few.length > 5 ? `, … (${few.length} classes)` : '');
  return `CDNV needs at least two classes with at least ${CDNV_MIN_PER_CLASS} examples each` + (count.size < 2 ? `, got ${count.size} class(es)` : `; too few in ${list}`);
}

/**
 * CDNV (module doc) of embeddings `emb` ([n, d] row-major) with labels `labels` ([n]),
 * over the classes in `only` (default: every class present). Float64 accumulation.
 * Throws RangeError where the labels cannot define it (cdnvShortfall: fewer than two classes, or
 * a class with fewer than two examples). Two coinciding class means make it Infinity.
 */
export function classDistanceNormalizedVariance(emb: ArrayLike<number>, labels: ArrayLike<number>, d: number, only?: readonly number[]): Cdnv {
  const n = labels.length;
  if (emb.length !== n * d) throw new RangeError(`embeddings hold ${emb.length} values, expected ${n}·${d}`);
  const short = cdnvShortfall(labels, only);
  if (short) throw new RangeError(short);
  const keep = only ? new Set(only) : null;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) if ((!keep || keep.has(labels[i])) && !index.has(labels[i])) index.set(labels[i], 0);
  const classes = [...index.keys()].sort((a, b) => a - b);
  classes.forEach((c, k) => index.set(c, k));
  const k = classes.length;
  const mean = new Float64Array(k * d);
  const count = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = index.get(labels[i]);
    if (c === undefined) continue;
    count[c]++;
    for (let j = 0; j < d; j++) mean[c * d + j] += emb[i * d + j];
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mean[c * d + j] /= count[c];
  const variance = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = index.get(labels[i]);
    if (c === undefined) continue;
    for (let j = 0; j < d; j++) variance[c] += (emb[i * d + j] - mean[c * d + j]) ** 2;
  }
  for (let c = 0; c < k; c++) variance[c] /= count[c];
  let sum = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (mean[a * d + j] - mean[b * d + j]) ** 2;
      // Coinciding means: Infinity (NaN when both classes are also collapsed), as the formula gives.
      sum += (variance[a] + variance[b]) / (2 * dist);
    }
  }
  return { cdnv: sum / ((k * (k - 1)) / 2), classes, variances: Array.from(variance) };
}

/**
 * The map from input to the penultimate-layer embedding (the input of the model's last layer,
 * the classifier), in inference mode, and its width. Shares the model's weights.
 * @returns fn: [B, ...inputShape] → [B, d]
 */
export function embeddingFn(model: tf.LayersModel): { fn: LogitsFn; dim: number } {
  const last = model.layers[model.layers.length - 1];
  const input = last.input;
  if (Array.isArray(input)) throw new Error(`the last layer (${last.name}) has several inputs: no single embedding`);
  const sub = tf.model({ inputs: model.inputs, outputs: input });
  const dim = input.shape.slice(1).reduce<number>((p, q) => p * (q ?? 1), 1);
  return { fn: (x) => tf.reshape(sub.apply(x, { training: false }) as tf.Tensor, [x.shape[0], dim]) as tf.Tensor2D, dim };
}

/** Embeddings of `x` ([n, ...inputShape], host examples) in batches, read back asynchronously: [n, d] row-major. */
export async function embed(fn: LogitsFn, dim: number, x: HostExamples, batchSize: number): Promise<Float32Array> {
  const out = new Float32Array(x.n * dim);
  await forEachBatch(x, batchSize, (xb) => fn(xb), ([e], start) => out.set(e, start * dim));
  return out;
}
