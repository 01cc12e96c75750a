import * as tf from '#tf';
import { vjps } from './vjp.js';
import { canStack, stackedVjps } from './vjp-stacked.js';
import { batchTensor, forEachBatch, toHost, type Examples } from './examples.js';
import { DenseJacobian } from './gc-dense.js';
import { withTieExactConvs } from '../backend/tie-exact.js';

/** A model's logits as a function of its input: [B, ...inputShape] → [B, classes]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor2D;

/**
 * How the C backward passes of an exact Jacobian are organised (same numbers either way):
 * - `replay`: one forward pass over the batch, then one backward pass per class with cotangent
 *   e_k on every row (see vjp.ts). Cheapest when the forward pass is expensive (convnets).
 * - `replicate`: the batch is replicated once per class ([C·B, ...]) and replica k
 *   back-propagates only logit k: one forward and one backward pass over C·B rows. Fewer, larger
 *   kernel calls: faster for cheap models (MLPs), at C times the activation memory.
 * - `stacked`: one forward pass, then ONE backward pass with the C cotangents stacked as C·B rows
 *   (vjp-stacked.ts): what every class's backward shares (relu/max-pool masks, batch-norm scales)
 *   is computed once, and kernels run on C times more rows. Fastest for convnets. At most
 *   STACKED_BYTES per stacked activation: more classes × batch run in several chunks. Not
 *   differentiable: inside a gradient computation (explicit GC penalty) it runs as `replay`.
 * - `dense`: for a chain of dense layers (every MLP), the C rows of each example carried from the
 *   logits to the first layer in one stacked pass, the first kernel replaced by its Gram matrix
 *   (gc-dense.ts): ~3.5x fewer multiply-adds than one backward pass per class. The chain is
 *   checked once by an async read (DenseJacobian.verify, done by geometricComplexity); a model
 *   that is not such a chain, a call without a verified DenseJacobian, or a call inside a
 *   gradient computation runs as `replicate`.
 */
export type JacobianStrategy = 'replay' | 'replicate' | 'stacked' | 'dense';

/**
 * Largest stacked activation (bytes) of the `stacked` strategy. With a few such tensors alive
 * in the backward pass (cotangent, its masked copy, the convolution output, a skip connection's
 * sum) this keeps the pass well inside wasm's 4 GiB heap next to the forward activations.
 */
export const STACKED_BYTES = 256 * 1024 * 1024;

/**
 * Per-example squared Frobenius norm of the input Jacobian of the logits, exactly. Valid because
 * `f` treats examples independently (inference mode: batch norm uses running statistics).
 * Differentiable in the model's weights (except `stacked` at gradient depth 0), so it also serves
 * the explicit GC penalty.
 * @param x [B, ...inputShape]
 * @param stackedBytes largest stacked activation of the `stacked` strategy (tests force chunking)
 * @returns [B]: ||d f(x_b) / d x_b||_F^2 for each example b
 */
export function jacobianSqNorms(f: LogitsFn, x: tf.Tensor, classes: number, strategy: JacobianStrategy = 'replay', stackedBytes = STACKED_BYTES, dense?: DenseJacobian): tf.Tensor1D {
  if (strategy === 'dense') {
    const own = dense ?? new DenseJacobian();
    try {
      const norms = own.sqNorms(x, classes);
      if (norms) return norms;
    } finally {
      if (!dense) own.dispose();
    }
    strategy = 'replicate';
  }
  return tf.tidy(() => {
    const b = x.shape[0];
    const size = x.shape.slice(1).reduce((p, q) => p * q, 1);
    if (strategy === 'replicate') {
      const xr = tf.concat(Array.from({ length: classes }, () => x), 0);
      const which = tf.tensor1d(Int32Array.from({ length: classes * b }, (_, i) => Math.floor(i / b)), 'int32');
      const mask = tf.cast(tf.oneHot(which, classes), 'float32');
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), mask)))(xr);
      const perRow = tf.sum(tf.square(tf.reshape(g, [classes * b, size])), 1);
      return tf.sum(tf.reshape(perRow, [classes, b]), 0) as tf.Tensor1D;
    }
    if (strategy === 'stacked' && canStack()) {
      const cot = (_y: tf.Tensor, k0: number, k: number) =>
        tf.tensor2d(Float32Array.from({ length: k * b * classes }, (_, i) => (i % classes === k0 + Math.floor(i / (b * classes)) ? 1 : 0)), [k * b, classes]);
      const perChunk = stackedVjps(f, x, classes, cot,
        (g, k) => tf.sum(tf.reshape(tf.sum(tf.square(tf.reshape(g, [k * b, size])), 1), [k, b]), 0),
        (bytes) => Math.floor(stackedBytes / bytes));
      return (perChunk.length === 1 ? perChunk[0] : tf.addN(perChunk)) as tf.Tensor1D;
    }
    const cotangents = () =>
      Array.from({ length: classes }, (_, k) => tf.tensor2d(Float32Array.from({ length: b * classes }, (_, i) => (i % classes === k ? 1 : 0)), [b, classes]));
    const perClass = vjps(f, x, cotangents, (g) => tf.sum(tf.square(tf.reshape(g, [b, size])), 1));
    return tf.addN(perClass) as tf.Tensor1D;
  });
}

/**
 * The strategy for an architecture: dense for MLPs (the chain's Jacobian in closed form; inside a
 * gradient computation, e.g. the GC penalty, it is not differentiable and replicate runs instead),
 * stacked otherwise (replay inside a gradient computation).
 */
export function jacobianStrategyFor(arch: string): JacobianStrategy {
  return arch === 'mlp' ? 'dense' : 'stacked';
}

/**
 * Geometric complexity GC = (1/N) Σ_x ||d f(x)/dx||_F^2 over `examples`, in batches of
 * `batchSize` (bounding memory: one forward pass of batchSize examples is kept for the C backward passes).
 * Cost linear in N: batches are cut from a host copy (see examples.ts).
 * @param examples [N, ...inputShape] (a tensor, or host examples: preferred, no device copy of all N)
 */
export async function geometricComplexity(
  f: LogitsFn,
  examples: Examples,
  classes: number,
  batchSize: number,
  strategy: JacobianStrategy = 'replay',
): Promise<number> {
  // Forward convs that keep exact max-pool ties exact (backend/tie-exact.ts).
  return withTieExactConvs(() => gcOnHost(f, examples, classes, batchSize, strategy));
}

async function gcOnHost(f: LogitsFn, examples: Examples, classes: number, batchSize: number, strategy: JacobianStrategy): Promise<number> {
  const host = await toHost(examples);
  const n = host.n;
  // The weights do not change during one measurement: the dense strategy's Gram matrix is computed once.
  const dense = strategy === 'dense' ? new DenseJacobian() : undefined;
  let total = 0;
  try {
    if (dense && n > 0) {
      // The chain check reads a value, asynchronously: once, on the first batch (if it fails, replicate runs).
      const first = batchTensor(host, 0, Math.min(batchSize, n));
      await dense.verify(f, first, classes);
      first.dispose();
    }
    await forEachBatch(host, batchSize, (xb) => tf.sum(jacobianSqNorms(f, xb, classes, strategy, STACKED_BYTES, dense)), ([s]) => {
      total += s[0];
    });
  } finally {
    dense?.dispose();
  }
  return total / n;
}
