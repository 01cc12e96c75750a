/**
 * FusedBatchNorm forward for channels-last float32 input with per-channel ([C]-sized) mean,
 * variance, scale and offset, as tf.layers.batchNormalization and tf.batchNorm use it. The stock
 * wasm kernel indexes every parameter per element (measured ~50 ms at [128,32,32,64]); we fold
 * scale / sqrt(variance + epsilon) per channel once and run one SIMD pass. Other layouts and
 * dtypes go to the stock kernel.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { free, stockKernel, type Info } from '../kernel-call.js';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** True when `p` is a float32 per-channel parameter for `c` channels ([C], [1,..,1,C]). */
function perChannel(p: Info | undefined, c: number): boolean {
  return p != null && p.dtype === 'float32' && size(p.shape) === c && p.shape[p.shape.length - 1] === c;
}

/** Kernel func for `FusedBatchNorm` (inputs x [..., C], mean, variance, offset?, scale? [C]; attr varianceEpsilon). */
export function fusedBatchNorm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, Info | undefined>;
  const eps = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const c = x!.shape[x!.shape.length - 1];
  const ok = x!.dtype === 'float32' && x!.shape.length >= 1 && c > 0 && perChannel(mean, c) && perChannel(variance, c)
    && (offset == null || perChannel(offset, c)) && (scale == null || perChannel(scale, c));
  if (!ok || size(x!.shape) === 0) return stockKernel('FusedBatchNorm')!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  const out = backend.makeOutput(x!.shape, 'float32');
  // Scratch [mul (c), offset (c)], filled after every allocation (views detach when the heap grows).
  const scratch = backend.makeOutput([2 * c], 'float32');
  const v = backend.typedArrayFromHeap(variance!) as Float32Array;
  const s = scale ? (backend.typedArrayFromHeap(scale) as Float32Array) : null;
  const o = offset ? (backend.typedArrayFromHeap(offset) as Float32Array) : null;
  const dst = backend.typedArrayFromHeap(scratch) as Float32Array;
  for (let k = 0; k < c; k++) {
    dst[k] = (s ? s[k] : 1) / Math.sqrt(v[k] + eps);
    dst[c + k] = o ? o[k] : 0;
  }
  const p = ptr(backend, scratch);
  simd(backend).batchNormRows(size(x!.shape) / c, c, ptr(backend, x!), ptr(backend, mean!), p, p + 4 * c, -Infinity, ptr(backend, out));
  free(backend, scratch);
  return out;
}
