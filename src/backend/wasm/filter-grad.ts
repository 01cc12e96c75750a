/**
 * Conv2DBackpropFilter for stride-1, dilation-1 NHWC float32 convolutions on our own SIMD kernels,
 * instead of a forward Conv2D whose "filter" is dy (XNNPACK, ~18-24 GFLOP/s, transposes around it):
 * - 3x3 with Co % 8 == 0 and Cin % 4 == 0 (or Cin >= 3, Co >= 64: Cin padded to 4): Winograd F(4x4,3x3) (assembly/filter-grad-winograd.ts),
 *   4x fewer multiplies (measured batch 128, resblock 64->64: 527 -> 70 ms; cnn 32->64: 24 -> 5 ms),
 *   reading x and dy in place; then ~59 ms with tiles copied to a patch before transforming
 *   (of which the GEMMs ~47 ms, transforms ~12 ms);
 * - otherwise a direct GEMM over pixels reading the zero-padded input in place (assembly/filter-grad.ts,
 *   ~50 GFLOP/s; resblock stem 3->64: 154 -> 12 ms; cnn 1->32: 12 -> 1.5 ms; 64->64 would be 200 ms).
 */
import type * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import { free, type Info } from '../kernel-call.js';
import { filterGradTuning } from './tuning.js';

/** Whether `filterGradDirect` handles this conv (stride 1 float32 NHWC; the caller falls back otherwise). */
export function handlesFilterGrad(x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): boolean {
  return filterGradTuning.enabled && x.dtype === 'float32' && dy.dtype === 'float32' && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1 && info.dataFormat === 'channelsLast' && x.shape.length === 4;
}

/**
 * dW [KH,KW,Ci,Co] = sum_{n,i,j} x[n, i+kh-pt, j+kw-pl, ci] dy[n,i,j,co] (zero outside x).
 * x [N,H,W,Ci], dy [N,OH,OW,Co]; `info` from computeConv2DInfo (stride 1, dilation 1: see handlesFilterGrad).
 */
export function filterGradDirect(backend: BackendWasm, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: n, inChannels: ci, outChannels: co } = info;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  const padded = filterGradTuning.winogradPadded;
  if (filterGradTuning.winograd && kh === 3 && kw === 3 && co % 8 === 0 && (ci % 4 === 0 || (ci >= padded.cin && co >= padded.cout))) {
    return winograd(backend, x, dy, info);
  }
  // The kernel reads rows [0, OH+KH-1) x cols [0, OW+KW-1) of the padded input without bounds checks.
  const hp = oh + kh - 1, wp = ow + kw - 1;
  const k = simd(backend);
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  let xp: Info = x;
  if (pt !== 0 || pl !== 0 || hp !== h || wp !== w) {
    xp = backend.makeOutput([n, hp, wp, ci], 'float32');
    k.filterGradPad(ptr(backend, x), ptr(backend, xp), n, h, w, ci, hp, wp, pt, pl);
  }
  const ib = Math.max(1, Math.round(filterGradTuning.blockPixels / ow));
  k.filterGrad(ptr(backend, xp), ptr(backend, dy), ptr(backend, out), n, hp, wp, ci, oh, ow, co, kh, kw, ib);
  if (xp !== x) free(backend, xp);
  return out;
}

/** The Winograd F(4x4,3x3) path (assembly/filter-grad-winograd.ts): reads x and dy in place (no padded copies). */
function winograd(backend: BackendWasm, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: n, inChannels: ci, outChannels: co } = info;
  const tc = filterGradTuning.winogradTiles;
  const k = simd(backend);
  const out = backend.makeOutput([3, 3, ci, co], 'float32');
  const kp = (ci + 3) & ~3;
  const du = backend.makeOutput([36, kp, co], 'float32');
  const vs = backend.makeOutput([k.filterGradVScratchFloats(ci, co, tc, ow)], 'float32');
  const ms = backend.makeOutput([36, tc * co + 16], 'float32');
  k.filterGradWinograd(ptr(backend, x), ptr(backend, dy), ptr(backend, out), ptr(backend, du), ptr(backend, vs), ptr(backend, ms),
    n, h, w, oh, ow, info.padInfo.top, info.padInfo.left, ci, co, tc);
  free(backend, du, vs, ms);
  return out;
}
