/**
 * 3x3 stride-1 convolution by Winograd F(4x4, 3x3) on our SIMD kernels (wasm/assembly/winograd.ts):
 * 36 GEMMs [tiles, Cin] x [Cin, Cout] with 4x fewer multiplies than the direct conv, which beats
 * XNNPACK's direct conv unless Cin < 4 or Cout < 3 (see WINOGRAD_MIN_CHANNELS). Registered
 * for `Conv2D` and `FusedConv2D` (bias and relu fused); everything else goes to the stock kernel.
 * Also the input gradient of 3x3 stride-1 convs (conv-backprop.ts), reading the forward filter
 * flipped and in/out-swapped in place.
 * Measured (batch 128, 32x32, 64->64, same process): ~60 ms, of which the 36 GEMMs ~47 ms (~51
 * GFLOP/s: the mul and add ports' limit without FMA, for 3x8, 4x8 and 2x16 blocks alike), the
 * input transform ~7 ms (half of it reading x) and the output transform ~6 ms.
 * F(6x6,3x3) was not adopted: 21% fewer GEMM flops, but 32x32 maps to 6x6 tiles covering 36x36
 * (27% waste), so no fewer flops here; its float32 error (simulated, 64->64, He init) is
 * ~1.1-1.3e-5 of max |y| against ~6e-6 for F(4x4).
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import { free, stockKernel, type Info } from '../kernel-call.js';
import { trySmallCinConv } from './conv-small-cin.js';
import { winogradTuning } from './tuning.js';

/**
 * Crossover against XNNPACK's direct conv, measured by bench/kernels/winograd-bench.ts --sweep (32x32 and
 * 13x13, 'same'; ratio stock/ours): batch 128: 3->64 1.08 and 0.99, 4->8 1.31 and 1.00, 8->4 1.72
 * and 1.24, 4->16 1.26 and 1.12, 16->16 1.69 and 1.57, 64->64 3.3; 1->32 (28x28 valid) 0.70.
 * Batch 32: 64->3 (the stem's input gradient in exact GC) 2.39 and 1.30, 64->1 0.92 and 1.05.
 * So Cin 1-3 (first layers on images) and single-output-channel convs do not use Winograd: Cin
 * <= 4 goes to our direct conv (conv-small-cin.ts, 1.2-1.7x XNNPACK), the rest to XNNPACK.
 */
export const WINOGRAD_MIN_CHANNELS = { cin: 4, cout: 3, product: 32 };

/** Whether Winograd is used for a 3x3 stride-1 conv with these channel counts (measured crossover). */
export function winogradWorthIt(cin: number, cout: number): boolean {
  const m = WINOGRAD_MIN_CHANNELS;
  return cin >= m.cin && cout >= m.cout && cin * cout >= m.product;
}

/**
 * y [N, OH, OW, Cout] = 3x3 stride-1 conv of x [N,H,W,Cin] with filter [3,3,Cin,Cout], output
 * pixel (i, j) reading input rows i - padTop .. i - padTop + 2 (pads may be negative: a crop).
 * Optional bias [Cout] and relu fused. float32 only; the caller checks applicability.
 * flip: the conv's filter is instead the input gradient's, filter [3,3,Cout,Cin] flipped in both
 * spatial axes with in/out swapped (read in place: no Reverse/Transpose materialised).
 */
export function winogradConv(backend: BackendWasm, x: Info, filter: Info, padTop: number, padLeft: number, oh: number, ow: number,
  bias: Info | null = null, relu = false, flip = false): Info {
  const [n, h, w, cin] = x.shape;
  const [, , fi, fo] = filter.shape;
  const cout = flip ? fi : fo;
  const k = simd(backend);
  const rows = k.GEMM_ROWS.value as number;
  const chunk = Math.max(rows, Math.round(winogradTuning.chunk / rows) * rows);
  // U = G g G^T packed [36][np/8][Cin][8] (np = Cout rounded up to 8), see assembly/winograd-filter.ts.
  const u = backend.makeOutput([36 * ((cout + 7) & ~7) * cin], 'float32');
  const scratch = backend.makeOutput([k.winogradScratchFloats(cin, cout, chunk, ow)], 'float32');
  const y = backend.makeOutput([n, oh, ow, cout], 'float32');
  // Pointers only after the last allocation (malloc may move nothing, but may grow the heap).
  k.winogradFilter(ptr(backend, filter), fi, fo, flip ? 1 : 0, ptr(backend, u));
  k.winogradConv3x3(ptr(backend, x), n, h, w, cin, ptr(backend, u), cout, bias ? ptr(backend, bias) : 0, relu ? 1 : 0,
    ptr(backend, y), oh, ow, padTop, padLeft, ptr(backend, scratch), chunk);
  free(backend, u, scratch);
  return y;
}

/**
 * Winograd for a stride-1, dilation-1 conv whose paddings [top, bottom], [left, right] may be
 * negative (crops, done by the kernel without a copy), or null when it does not apply (not 3x3
 * float32, or channels too few). flip: `filter` [3,3,Co,Ci] is the forward filter of the conv
 * whose input gradient this is (see winogradConv).
 */
export function tryWinogradPadded(backend: BackendWasm, x: Info, filter: Info, ph: [number, number], pw: [number, number],
  dilations: [number, number], flip = false): Info | null {
  if (!applicable(x, filter, flip) || dilations[0] !== 1 || dilations[1] !== 1) return null;
  const oh = x.shape[1] + ph[0] + ph[1] - 2, ow = x.shape[2] + pw[0] + pw[1] - 2;
  if (oh <= 0 || ow <= 0) return null;
  return winogradConv(backend, x, filter, ph[0], pw[0], oh, ow, null, false, flip);
}

/** Whether x and the (flipped, when flip) 3x3 filter make a conv our kernel takes. */
function applicable(x: Info, filter: Info, flip = false): boolean {
  const [kh, kw, fi, fo] = filter.shape;
  const cin = flip ? fo : fi, cout = flip ? fi : fo;
  return x.dtype === 'float32' && filter.dtype === 'float32' && x.shape.length === 4 && filter.shape.length === 4 &&
    kh === 3 && kw === 3 && cin === x.shape[3] && x.shape[0] > 0 && winogradWorthIt(cin, cout);
}

function ones(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === 'number' ? v === 1 : (v as number[]).every((s) => s === 1);
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

/** Output pads and size when the conv attrs ask for what our kernel does, else null. */
function plan(x: Info, filter: Info, attrs: tf.NamedAttrMap): { top: number; left: number; oh: number; ow: number } | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  if (!winogradTuning.forward || (dataFormat ?? 'NHWC') !== 'NHWC' || !ones(strides) || !ones(dilations) || !applicable(x, filter)) return null;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    1, 1, pad as 'same', dimRoundingMode, false, 'channelsLast');
  if (info.outHeight <= 0 || info.outWidth <= 0) return null;
  return { top: info.padInfo.top, left: info.padInfo.left, oh: info.outHeight, ow: info.outWidth };
}

function stock(name: string, args: KernelArgs): Info {
  const cfg = stockKernel(name);
  if (!cfg) throw new Error(`stock wasm ${name} was not captured`);
  return cfg.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
}

/** `Conv2D` (inputs x [N,H,W,Ci], filter [3,3,Ci,Co]): Winograd where it applies, else stock. */
export function conv2D(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { x, filter } = args.inputs as { x: Info; filter: Info };
  const p = plan(x, filter, args.attrs);
  if (!p) return trySmallCinConv(backend, x, filter, args.attrs) ?? stock('Conv2D', args);
  return winogradConv(backend, x, filter, p.top, p.left, p.oh, p.ow);
}

/**
 * `FusedConv2D` (inputs x, filter, bias? [Co]; activation linear or relu): Winograd with bias and
 * relu fused where it applies, else stock (other activations, PReLU, other biases).
 */
export function fusedConv2D(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: Info; filter: Info; bias?: Info; preluActivationWeights?: Info };
  const activation = (args.attrs as unknown as tf.FusedConv2DAttrs).activation ?? 'linear';
  const p = plan(x, filter, args.attrs);
  const biasOk = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === filter.shape[3]);
  if (preluActivationWeights != null || !biasOk || (activation !== 'linear' && activation !== 'relu')) return stock('FusedConv2D', args);
  // Few input channels (first layers): our direct conv, where it takes the case.
  if (!p) return trySmallCinConv(backend, x, filter, args.attrs, bias ?? null, activation === 'relu') ?? stock('FusedConv2D', args);
  return winogradConv(backend, x, filter, p.top, p.left, p.oh, p.ow, bias ?? null, activation === 'relu');
}
