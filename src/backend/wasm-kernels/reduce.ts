/**
 * Sum / Mean over leading axes (e.g. [0,1,2] of NHWC: BatchNorm statistics and the gradients of
 * every broadcast bias/scale). The stock wasm kernels first transpose the reduced axes innermost
 * (a full copy of the activation, ~100 ms at ResNet sizes). Viewing X as an NHWC image
 * [M2, M1, 1, C] makes the reduction two XNNPACK average-pooling passes (M1 then M2 elements),
 * which read X once; two stages also keep the float32 accumulation error small.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, free, reshape, stockKernel, type Info } from './kernel-call.js';

/**
 * Number of leading axes reduced when `axis` (possibly negative, number or list) names exactly
 * axes 0..k-1 of a rank-`rank` tensor with k < rank; 0 otherwise.
 */
export function leadingAxes(axis: number | number[], rank: number): number {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  const uniq = [...new Set(axes)].sort((p, q) => p - q);
  if (uniq.length === 0 || uniq.length >= rank) return 0;
  return uniq.every((a, i) => a === i) ? uniq.length : 0;
}

/** Mean over the rows of `x` viewed as [m, c], by one or two average-pooling passes; shape [c]. */
function meanRows(backend: BackendWasm, x: Info, m2: number, m1: number, c: number): Info {
  let cur = reshape(backend, x, [m2, m1, 1, c]);
  for (const [rows, window] of [[m2, m1], [1, m2]]) {
    const r = reshape(backend, cur, [rows, window, 1, c]);
    free(backend, cur);
    if (window === 1) {
      cur = r;
      continue;
    }
    cur = call(backend, 'AvgPool', { x: r }, { filterSize: [window, 1], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap);
    free(backend, r);
  }
  const out = reshape(backend, cur, [c]);
  free(backend, cur);
  return out;
}

function makeReduce(name: 'Sum' | 'Mean') {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const k = leadingAxes(axis, x.shape.length);
    const m = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
    const c = x.shape.slice(k).reduce((p, d) => p * d, 1);
    // int sums must stay exact; tiny reductions are cheap either way.
    if (k === 0 || x.dtype !== 'float32' || m < 2 || m * c < 1024) {
      return stockKernel(name)!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    // Split M = m2 * m1 along the reduced axes (first axis vs the rest) for a two-stage mean.
    const m2 = k >= 2 ? x.shape[0] : 1;
    const avg = meanRows(backend, x, m2, m / m2, c);
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
    if (name === 'Mean') {
      const out = reshape(backend, avg, outShape);
      free(backend, avg);
      return out;
    }
    // Sum = M * mean; the result is only c values, so scale them on the heap directly.
    const out = backend.makeOutput(outShape, 'float32');
    const src = backend.typedArrayFromHeap(avg);
    const dst = backend.typedArrayFromHeap(out);
    for (let i = 0; i < c; i++) dst[i] = src[i] * m;
    free(backend, avg);
    return out;
  };
}

/** Kernel funcs for `Sum` and `Mean` (input x, attrs axis, keepDims). */
export const sum = makeReduce('Sum');
export const mean = makeReduce('Mean');
