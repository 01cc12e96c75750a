/**
 * Fused passes for the backward of training-mode batch normalisation (each saves full-size
 * [N,H,W,C] passes, which are memory bound):
 * - `GcBnGradSums` (inputs dy, x [..., C], mean [C]; output [2, C]): row 0 = sum(dy), row 1 =
 *   sum(dy * (x - mean)) over every axis but the last, in one read of dy and x. The FusedBatchNorm
 *   gradient (norm-grads.ts) needs both; as separate ops they cost Sub, Multiply and two Sums.
 * - `GcMulScaled` (inputs a, b; attr scale): a * (b * scale), the Square gradient
 *   mul(dy, mul(x, 2)) in one pass with the same rounding.
 * Both are wasm kernels with gradients of their own (so second-order penalties still work); the
 * ops below fall back to the equivalent tfjs-core expressions where the current backend lacks
 * the kernel or the layout is not the one handled.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { free, hasKernel, type Info } from '../kernel-call.js';
import { BN_GRAD_SUMS, MUL_SCALED } from '../kernel-names.js';

export { BN_GRAD_SUMS, MUL_SCALED };

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const leading = (x: tf.Tensor) => x.shape.slice(0, -1).map((_, i) => i);

/** Kernel func for `GcBnGradSums` on wasm (float32 dy, x of one shape [..., C], mean [C]). */
export function bnGradSumsKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, x, mean } = args.inputs as { dy: Info; x: Info; mean: Info };
  const c = x.shape[x.shape.length - 1];
  const out = backend.makeOutput([2, c], 'float32');
  const scratch = backend.makeOutput([2 * c], 'float32'); // block sums
  // relu flag 0: the mul and offset pointers are not read.
  simd(backend).bnGradSums(size(x.shape) / c, c, ptr(backend, dy), ptr(backend, x), ptr(backend, mean), 0, 0, 0, ptr(backend, out),
    ptr(backend, scratch));
  free(backend, scratch);
  return out;
}

/** Kernel func for `GcMulScaled` on wasm (float32 a, b of one shape; attr scale). */
export function mulScaledKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const s = (args.attrs as { scale: number }).scale;
  const out = backend.makeOutput(a.shape, 'float32');
  simd(backend).mulScaled(size(a.shape), ptr(backend, a), ptr(backend, b), s, ptr(backend, out));
  return out;
}

/**
 * [sum(dy), sum(dy * (x - mean))] over all axes but the last, as a [2, C] tensor. dy, x
 * [..., C] float32 of one shape, mean [C].
 */
export function bnGradSums(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const fused = hasKernel(BN_GRAD_SUMS) && x.rank >= 2 && c > 0 && size(x.shape) > 0 && dy.dtype === 'float32' && x.dtype === 'float32'
    && mean.dtype === 'float32' && mean.rank === 1 && mean.shape[0] === c && tf.util.arraysEqual(dy.shape, x.shape);
  if (fused) return tf.engine().runKernel(BN_GRAD_SUMS, { dy, x, mean }) as tf.Tensor;
  const axes = leading(x);
  return tf.stack([tf.sum(dy, axes), tf.sum(tf.mul(dy, tf.sub(x, mean)), axes)]);
}

/** a * (b * scale) for a, b of one shape. */
export function mulScaled(a: tf.Tensor, b: tf.Tensor, scale: number): tf.Tensor {
  const fused = hasKernel(MUL_SCALED) && a.dtype === 'float32' && b.dtype === 'float32' && tf.util.arraysEqual(a.shape, b.shape) && a.size > 0;
  if (!fused) return tf.mul(a, tf.mul(b, scale));
  return tf.engine().runKernel(MUL_SCALED, { a, b }, { scale } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Gradient of GcBnGradSums: upstream g [2, C] = [g1; g2]. */
const bnGradSumsGrad: tf.GradConfig = {
  kernelName: BN_GRAD_SUMS,
  inputsToSave: ['dy', 'x', 'mean'],
  gradFunc: (g, saved) => {
    const [dy, x, mean] = saved;
    const row = (i: number) => tf.reshape(tf.slice(g as tf.Tensor, [i, 0], [1, -1]), [-1]);
    return {
      dy: () => tf.add(tf.mul(tf.sub(x, mean), row(1)), row(0)),
      x: () => tf.mul(dy, row(1)),
      mean: () => tf.neg(tf.mul(row(1), tf.sum(dy, leading(x)))),
    };
  },
};

/** Gradient of GcMulScaled (linear in each input). */
const mulScaledGrad: tf.GradConfig = {
  kernelName: MUL_SCALED,
  inputsToSave: ['a', 'b'],
  gradFunc: (g, saved, attrs) => {
    const [a, b] = saved;
    const s = (attrs as unknown as { scale: number }).scale;
    return { a: () => mulScaled(g as tf.Tensor, b, s), b: () => mulScaled(g as tf.Tensor, a, s) };
  },
};

/** Square gradient: tfjs-core's mul(dy, mul(cast(x), 2)), in one pass where it can. */
const squareGrad: tf.GradConfig = {
  kernelName: 'Square',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => mulScaled(dy as tf.Tensor, tf.cast(saved[0], 'float32'), 2) }),
};

let originalSquare: tf.GradConfig | undefined;

/** tfjs-core's Square gradient, as registered before ours (for tests and A/B benchmarks). */
export function originalSquareGradient(): tf.GradConfig | undefined {
  return originalSquare;
}

/** Registers the gradients of our two kernels and the Square gradient (once); names registered now. */
export function installBnFusedGradients(): string[] {
  if (originalSquare || !tf.getGradient('Square')) return [];
  originalSquare = tf.getGradient('Square');
  tf.unregisterGradient('Square');
  tf.registerGradient(squareGrad);
  tf.registerGradient(bnGradSumsGrad);
  tf.registerGradient(mulScaledGrad);
  return ['grad:Square'];
}
