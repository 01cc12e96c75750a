/**
 * Sum / Mean over a contiguous run of axes that leaves channels innermost: [0,1,2] of NHWC
 * (BatchNorm statistics, the gradients of every broadcast bias/scale) and [1,2] (global average
 * pooling). The stock wasm kernels first transpose the reduced axes innermost (a full copy of the
 * activation, ~100 ms at ResNet sizes). Viewing X as [r, m, c] with the m axis reduced, our SIMD
 * kernel (wasm/assembly/reduce.ts) sums 8 channels at a time down blocks of rows, reading X once;
 * the per-block partial sums keep the float32 accumulation error small.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { stockKernel, type Info } from '../kernel-call.js';

/** Sorted distinct axes of `axis` (possibly negative, number or list) for rank `rank`. */
function normAxes(axis: number | number[], rank: number): number[] {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  return [...new Set(axes)].sort((p, q) => p - q);
}

/**
 * Number of leading axes reduced when `axis` (possibly negative, number or list) names exactly
 * axes 0..k-1 of a rank-`rank` tensor with k < rank; 0 otherwise.
 */
export function leadingAxes(axis: number | number[], rank: number): number {
  const run = axisRun(axis, rank);
  return run && run[0] === 0 ? run[1] : 0;
}

/**
 * [start, end) when `axis` names a contiguous run of axes that excludes the last axis of a
 * rank-`rank` tensor; null otherwise.
 */
export function axisRun(axis: number | number[], rank: number): [number, number] | null {
  const uniq = normAxes(axis, rank);
  if (uniq.length === 0 || uniq[uniq.length - 1] >= rank - 1) return null;
  return uniq.every((a, i) => a === uniq[0] + i) ? [uniq[0], uniq[0] + uniq.length] : null;
}

const prod = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

function makeReduce(name: 'Sum' | 'Mean') {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const run = axisRun(axis, x.shape.length);
    const [r, m, c] = run ? [prod(x.shape.slice(0, run[0])), prod(x.shape.slice(run[0], run[1])), prod(x.shape.slice(run[1]))] : [0, 0, 0];
    // int sums must stay exact (stock); the kernel vectorises across c, so c < 4 gains nothing.
    if (!run || x.dtype !== 'float32' || m < 2 || c < 4) {
      return stockKernel(name)!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const outShape = x.shape.flatMap((d, i) => (i >= run[0] && i < run[1] ? (keepDims ? [1] : []) : [d]));
    const out = backend.makeOutput(outShape, 'float32');
    simd(backend).sumMiddle(r, m, c, ptr(backend, x), ptr(backend, out), name === 'Mean' ? 1 / m : 1);
    return out;
  };
}

/** Kernel funcs for `Sum` and `Mean` (input x, attrs axis, keepDims). */
export const sum = makeReduce('Sum');
export const mean = makeReduce('Mean');
