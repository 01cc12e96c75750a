/**
 * Direct SIMD convolution for few input channels (Cin 1-4: first layers on images), on our kernel
 * wasm/assembly/conv-small-cin.ts: 4 output pixels x 8 output channels per register block, each
 * input value broadcast. XNNPACK runs these convs at 16-38 GFLOP/s; routed from the Conv2D /
 * FusedConv2D kernels in winograd.ts (bias and relu fused) where smallCinWorthIt says so.
 * Any kernel size, any stride, dilation 1, NHWC float32; everything else stays stock.
 * Measured by bench/kernels/conv-small-cin-ab.ts (same process, medians of 9, batch 128, stock/ours):
 * 28x28 1->32 valid 2.58/1.74 ms, 32x32 3->64 same 12.4/10.1 ms, 3->16 3.33/2.60, 3->64 stride 2
 * 3.16/2.50, 3->64 5x5 34.1/23.8, 4->4 2.55/1.72, 1->8 0.78/0.46: ours wins on every shape
 * tried, so every Cin <= 4 conv that Winograd does not take is ours.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import { free, type Info } from '../kernel-call.js';
import { smallCinTuning } from './tuning.js';

/** Largest Cin taken: beyond it XNNPACK (or Winograd for 3x3) is faster (the kernel re-reads x per 8 Cout). */
export const SMALL_CIN_MAX = 4;

/** Whether our kernel takes a conv with these channel counts (see SMALL_CIN_MAX). */
export function smallCinWorthIt(cin: number, cout: number): boolean {
  return smallCinTuning.enabled && cin >= 1 && cin <= SMALL_CIN_MAX && cout >= 1;
}

function pair(v: unknown): [number, number] {
  if (v === undefined || v === null) return [1, 1];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a[1]];
}

/**
 * y [N,OH,OW,Co] = conv of x [N,H,W,Ci] with filter [KH,KW,Ci,Co] (attrs as tfjs Conv2D), bias
 * [Co] added and relu applied when asked; null when our kernel does not take it (dtype, layout,
 * dilation, channels), so the caller runs the stock kernel.
 */
export function trySmallCinConv(backend: BackendWasm, x: Info, filter: Info, attrs: tf.NamedAttrMap,
  bias: Info | null = null, relu = false): Info | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if ((dataFormat ?? 'NHWC') !== 'NHWC') return null;
  const [kh, kw, ci, co] = filter.shape;
  const [n, h, w, cin] = x.shape;
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1 || ci !== cin || n === 0 || !smallCinWorthIt(cin, co)) return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) return null;
  const [sh, sw] = pair(strides);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    [sh, sw], 1, pad as 'same', dimRoundingMode, false, 'channelsLast');
  const oh = info.outHeight, ow = info.outWidth;
  if (oh <= 0 || ow <= 0) return null;
  const k = simd(backend);
  const packed = backend.makeOutput([k.convSmallCinPackedFloats(kh, kw, cin, co)], 'float32');
  const rows = backend.makeOutput([k.convSmallCinRowFloats(kh, kw, cin, ow, sw)], 'float32');
  const y = backend.makeOutput([n, oh, ow, co], 'float32');
  // Pointers only after the last allocation.
  k.convSmallCinPack(ptr(backend, filter), kh, kw, cin, co, bias ? ptr(backend, bias) : 0, ptr(backend, packed));
  k.convSmallCin(ptr(backend, x), n, h, w, cin, ptr(backend, packed), kh, kw, co, relu ? 1 : 0,
    ptr(backend, y), oh, ow, sh, sw, info.padInfo.top, info.padInfo.left, ptr(backend, rows));
  free(backend, packed, rows);
  return y;
}
