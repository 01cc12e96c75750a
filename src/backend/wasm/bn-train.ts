/**
 * wasm kernels of training-mode batch normalisation (ops and gradients in bn-train.ts), each one
 * or two SIMD passes over channels-last float32 [..., C] storage:
 * - `GcBatchNormTrain` (x [..., C], gamma, beta [C]; attrs epsilon, relu) -> [y, mean, variance]:
 *   one moments pass (batchnorm's bnMoments) and one normalise pass (batchNormRows, whose
 *   floor of 0 writes relu(bn(x)) when relu is set).
 * - `GcBnMoments` (x [..., C]) -> [2, C]: row 0 mean, row 1 biased variance (one pass).
 * - `GcChannelAffine` (p, q [..., C], a, b, t [C]) -> p*a + q*b + t (one pass).
 * - `GcBnReluGradSums` (dy, x [..., C], mean, variance, gamma, beta [C]; attr epsilon) -> [2, C]:
 *   GcBnGradSums (bn-fused.ts) of the relu-masked g = dy * (y > 0), one pass: the same wasm
 *   function (assembly/batch-norm.ts's bnGradSums) with its relu flag set.
 * - `GcChannelAffineRelu` (p, q [..., C], a, b, t, mean, variance, gamma, beta [C]; attr epsilon)
 *   -> (p * (y > 0))*a + q*b + t, one pass (q = x).
 *   Both recompute the mask y > 0 from x (read anyway) with the forward's mean, folded multiplier
 *   (foldMul, same code) and beta, so it is the forward's mask bit for bit without reading y.
 * The last two serve the backward of batch norm + relu on plain (unrecorded) backward passes only,
 * so they have no gradients of their own.
 * Callers (bn-train.ts) only run them on the layouts checked there.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { free, type Info } from '../kernel-call.js';
import { BN_TRAIN, BN_MOMENTS, CHANNEL_AFFINE, BN_RELU_GRAD_SUMS, CHANNEL_AFFINE_RELU } from '../kernel-names.js';

export { BN_TRAIN, BN_MOMENTS, CHANNEL_AFFINE, BN_RELU_GRAD_SUMS, CHANNEL_AFFINE_RELU };

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const exportsOf = (backend: BackendWasm) => simd(backend);

/** Moments of x [..., C]: writes mean [C] at byte offset `mean` and variance [C] at `variance`. */
function moments(backend: BackendWasm, x: Info, mean: number, variance: number): void {
  const c = x.shape[x.shape.length - 1];
  // Scratch: 2c f64 accumulators (4c floats) and 2c float32 block sums.
  const acc = backend.makeOutput([6 * c], 'float32');
  exportsOf(backend).bnMoments(size(x.shape) / c, c, ptr(backend, x), ptr(backend, acc), mean, variance);
  free(backend, acc);
}

/**
 * Scratch mul [C] = gamma / sqrt(variance + eps) (float32), the per-channel multiplier of the
 * normalise pass; the relu-masked backward kernels recompute it with this same code so their mask
 * is the forward's exactly. Caller frees it.
 */
function foldMul(backend: BackendWasm, gamma: Info, variance: Info, eps: number): Info {
  const c = gamma.shape[0];
  const mul = backend.makeOutput([c], 'float32');
  // Views taken after the allocation (it may grow the heap).
  const v = backend.typedArrayFromHeap(variance) as Float32Array;
  const g = backend.typedArrayFromHeap(gamma) as Float32Array;
  const dst = backend.typedArrayFromHeap(mul) as Float32Array;
  for (let k = 0; k < c; k++) dst[k] = g[k] / Math.sqrt(v[k] + eps);
  return mul;
}

/** Kernel func for `GcBatchNormTrain`. */
export function bnTrainKernel(args: Args): Info[] {
  const backend = args.backend as BackendWasm;
  const { x, gamma, beta } = args.inputs as { x: Info; gamma: Info; beta: Info };
  const { epsilon: eps, relu } = args.attrs as { epsilon: number; relu?: boolean };
  const c = x.shape[x.shape.length - 1];
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  moments(backend, x, ptr(backend, mean), ptr(backend, variance));
  const y = backend.makeOutput(x.shape, 'float32');
  const mul = foldMul(backend, gamma, variance, eps);
  // A floor of 0 is the fused relu; -Infinity leaves the normalised values as they are.
  exportsOf(backend).batchNormRows(size(x.shape) / c, c, ptr(backend, x), ptr(backend, mean), ptr(backend, mul), ptr(backend, beta),
    relu ? 0 : -Infinity, ptr(backend, y));
  free(backend, mul);
  return [y, mean, variance];
}

/** Kernel func for `GcBnMoments`: [2, C] = [mean; variance]. */
export function bnMomentsKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const x = (args.inputs as { x: Info }).x;
  const c = x.shape[x.shape.length - 1];
  const out = backend.makeOutput([2, c], 'float32');
  const o = ptr(backend, out);
  moments(backend, x, o, o + 4 * c);
  return out;
}

/** Kernel func for `GcChannelAffine`. */
export function channelAffineKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { p, a, q, b, t } = args.inputs as Record<string, Info>;
  const c = p.shape[p.shape.length - 1];
  const out = backend.makeOutput(p.shape, 'float32');
  const at = (i: Info) => ptr(backend, i);
  exportsOf(backend).channelAffine(size(p.shape) / c, c, at(p), at(a), at(q), at(b), at(t), 1, at(out));
  return out;
}

/** Kernel func for `GcBnReluGradSums`: [2, C] = [sum(g); sum(g * (x - mean))], g = dy * (y > 0). */
export function bnReluGradSumsKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { dy, x, mean, variance, gamma, beta } = args.inputs as Record<string, Info>;
  const c = x.shape[x.shape.length - 1];
  const out = backend.makeOutput([2, c], 'float32');
  const mul = foldMul(backend, gamma, variance, (args.attrs as { epsilon: number }).epsilon);
  const scratch = backend.makeOutput([2 * c], 'float32'); // block sums
  const at = (i: Info) => ptr(backend, i);
  exportsOf(backend).bnGradSums(size(x.shape) / c, c, at(dy), at(x), at(mean), at(mul), at(beta), 1, at(out), at(scratch));
  free(backend, mul, scratch);
  return out;
}

/** Kernel func for `GcChannelAffineRelu`: (p * (y > 0)) * a + q * b + t. */
export function channelAffineReluKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { p, a, q, b, t, mean, variance, gamma, beta } = args.inputs as Record<string, Info>;
  const c = p.shape[p.shape.length - 1];
  const out = backend.makeOutput(p.shape, 'float32');
  const mul = foldMul(backend, gamma, variance, (args.attrs as { epsilon: number }).epsilon);
  const at = (i: Info) => ptr(backend, i);
  exportsOf(backend).channelAffineRelu(size(p.shape) / c, c, at(p), at(a), at(q), at(b), at(t), at(mean), at(mul), at(beta), at(out));
  free(backend, mul);
  return out;
}
