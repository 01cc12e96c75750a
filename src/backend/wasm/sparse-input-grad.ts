/**
 * Conv2DBackpropInput for SPARSE dy: a direct transposed convolution that skips zero dy entries
 * (assembly/sparse-input-grad.ts). The dy reaching a conv's input gradient through max-pool
 * un-pooling and a relu mask holds at most one non-zero per 2x2 window and channel, so the dense
 * paths (Winograd, matmul + col2im) spend most of their multiplies on zeros. Chosen per call
 * from the measured non-zero fraction of a sample of dy; dense dy keeps the dense paths.
 * Stride 1, dilation 1, NHWC float32 only (callers fall back otherwise).
 */
import type * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import type { SimdExports } from '../kernels.generated.js';
import { free, type Info } from '../kernel-call.js';
import { sparseInputGradTuning } from './tuning.js';

/** The exports of kernels.wasm this file uses (pointers are byte offsets into tfjs's memory). */
type SparseExports = Pick<SimdExports, 'countNonZero' | 'sparseInputGrad' | 'sparseInputGrad1'>;

/** Non-zero fraction of up to `sampleImages` evenly spaced images of dy [N, OH, OW, Co]. */
function sampledDensity(backend: BackendWasm, k: SparseExports, dy: Info): number {
  const n = dy.shape[0];
  const per = dy.shape[1] * dy.shape[2] * dy.shape[3];
  const m = Math.min(n, sparseInputGradTuning.sampleImages);
  const base = ptr(backend, dy);
  let nz = 0;
  for (let i = 0; i < m; i++) nz += k.countNonZero(base + 4 * per * Math.floor((i * n) / m), per);
  return nz / Math.max(1, m * per);
}

/**
 * dx [N,H,W,Ci] of a stride-1 NHWC conv from dy [N,OH,OW,Co] and filter [KH,KW,Ci,Co] when dy is
 * sparse enough; null when this kernel does not apply (the caller runs its dense path).
 */
export function trySparseInputGrad(backend: BackendWasm, dy: Info, filter: Info, info: tf.backend_util.Conv2DInfo): Info | null {
  const t = sparseInputGradTuning;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: n, inChannels: ci, outChannels: co } = info;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  if (!t.enabled || dy.dtype !== 'float32' || filter.dtype !== 'float32' || info.strideHeight !== 1 || info.strideWidth !== 1 ||
    info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.dataFormat !== 'channelsLast' || dy.shape.length !== 4) return null;
  // dx[y, x] is read from the un-cropped transposed-conv output at [y + pt, x + pl]: it must lie inside.
  if (pt < 0 || pl < 0 || h + pt > oh + kh - 1 || w + pl > ow + kw - 1 || n * oh * ow * co === 0) return null;
  const k = simd(backend);
  if (sampledDensity(backend, k, dy) >= (ci === 1 ? t.maxDensity1 : t.maxDensity)) return null;
  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  if (ci === 1) {
    const kw4 = 4 * Math.ceil(kw / 4);
    const wt = packFilter(backend, filter, kh, kw, 1, co, kw4);
    const offs = backend.makeOutput([co], 'int32'), vals = backend.makeOutput([co], 'float32');
    const dxp = backend.makeOutput([(oh + kh - 1) * (ow + kw4 - 1)], 'float32');
    k.sparseInputGrad1(ptr(backend, dy), ptr(backend, wt), ptr(backend, dx), ptr(backend, offs), ptr(backend, vals), ptr(backend, dxp),
      n, oh, ow, co, kh, kw4, h, w, pt, pl);
    free(backend, wt, offs, vals, dxp);
    return dx;
  }
  const ci4 = 4 * Math.ceil(ci / 4);
  const wt = packFilter(backend, filter, kh * kw, 1, ci, co, ci4);
  const offs = backend.makeOutput([co], 'int32'), vals = backend.makeOutput([co], 'float32');
  const dxp = backend.makeOutput([(oh + kh - 1) * (ow + kw - 1) * ci4], 'float32');
  k.sparseInputGrad(ptr(backend, dy), ptr(backend, wt), ptr(backend, dx), ptr(backend, offs), ptr(backend, vals), ptr(backend, dxp),
    n, oh, ow, co, kh, kw, ci, ci4, h, w, pt, pl);
  free(backend, wt, offs, vals, dxp);
  return dx;
}

/**
 * filter [KH,KW,Ci,Co] seen as [A][B*C][Co] -> wt [Co][A][cPad] (zero-padded past B*C), the two
 * layouts the kernels read: A = KH, B = KW, C = 1 (the taps of a filter row, cPad = kw4), or
 * A = KH*KW, B = 1, C = Ci (the channels of a tap, cPad = ci4).
 */
function packFilter(backend: BackendWasm, filter: Info, a: number, b: number, c: number, co: number, cPad: number): Info {
  const inner = b * c; // floats of one `a` row in filter order (KW taps of 1 channel, or Ci channels)
  const wt = backend.makeOutput([co * a * cPad], 'float32');
  // Views only after allocating: malloc may grow (and detach) the heap buffer.
  const f = backend.typedArrayFromHeap(filter) as Float32Array;
  const o = backend.typedArrayFromHeap(wt) as Float32Array;
  o.fill(0);
  for (let r = 0; r < a; r++) {
    for (let q = 0; q < inner; q++) {
      const src = (r * inner + q) * co;
      for (let oc = 0; oc < co; oc++) o[(oc * a + r) * cPad + q] = f[src + oc];
    }
  }
  return wt;
}
