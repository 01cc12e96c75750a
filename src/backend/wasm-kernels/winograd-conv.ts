/**
 * 3x3 stride-1 convolution by Winograd F(4x4, 3x3) on our SIMD kernels (simd/assembly/winograd.ts):
 * 36 GEMMs [tiles, Cin] x [Cin, Cout] with 4x fewer multiplies than the direct conv, which beats
 * XNNPACK's direct conv unless Cin < 4 or Cout < 3 (see WINOGRAD_MIN_CHANNELS). Registered
 * for `Conv2D` and `FusedConv2D` (bias and relu fused); everything else goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd/module.js';
import { free, stockKernel, type Info } from './kernel-call.js';

interface WinogradExports {
  winogradConv3x3(x: number, n: number, h: number, w: number, cin: number, u: number, cout: number, bias: number, relu: number,
    y: number, oh: number, ow: number, padTop: number, padLeft: number, scratch: number, chunk: number): void;
  winogradScratchFloats(cin: number, cout: number, chunk: number): number;
  GEMM_ROWS: WebAssembly.Global;
}

/**
 * Crossover against XNNPACK's direct conv, measured by bench/winograd-bench.ts --sweep (32x32 and
 * 13x13, 'same'; ratio stock/ours): batch 128: 3->64 1.08 and 0.99, 4->8 1.31 and 1.00, 8->4 1.72
 * and 1.24, 4->16 1.26 and 1.12, 16->16 1.69 and 1.57, 64->64 3.3; 1->32 (28x28 valid) 0.70.
 * Batch 32: 64->3 (the stem's input gradient in exact GC) 2.39 and 1.30, 64->1 0.92 and 1.05.
 * So Cin 1-3 (first layers on images) and single-output-channel convs stay on XNNPACK.
 */
export const WINOGRAD_MIN_CHANNELS = { cin: 4, cout: 3, product: 32 };

/** Tiles per chunk: V and M for one chunk (36*chunk*(Cin+Cout) floats) stay in L2. Measured best. */
export let winogradChunk = 96;

/** For benchmarks: override the chunk size (rounded to the GEMM row block). */
export function setWinogradChunk(c: number): void {
  winogradChunk = c;
}

// G of F(4,3): U = G g G^T (6x6 from 3x3).
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/**
 * U = G g G^T for every (ci, co) of filter [3,3,Cin,Cout], packed for the GEMM as
 * [36][np/8][Cin][8] (np = Cout rounded up to 8, padding columns zero). Returns a flat buffer.
 */
function transformFilter(backend: BackendWasm, filter: Info): Info {
  const [, , cin, cout] = filter.shape;
  const np = (cout + 7) & ~7;
  const u = backend.makeOutput([36 * np * cin], 'float32');
  // Views only after allocating: malloc may grow (and detach) the heap.
  const g = backend.typedArrayFromHeap(filter) as Float32Array;
  const uv = backend.typedArrayFromHeap(u) as Float32Array;
  uv.fill(0);
  const t = new Float64Array(18); // G g: 6x3
  const panels = np >> 3;
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++) {
      for (let a = 0; a < 6; a++) {
        const ga = G[a];
        for (let j = 0; j < 3; j++) {
          t[a * 3 + j] = ga[0] * g[(j * cin + ci) * cout + co] + ga[1] * g[((3 + j) * cin + ci) * cout + co] + ga[2] * g[((6 + j) * cin + ci) * cout + co];
        }
      }
      const col = ((co >> 3) * cin + ci) * 8 + (co & 7);
      for (let a = 0; a < 6; a++) {
        const t0 = t[a * 3], t1 = t[a * 3 + 1], t2 = t[a * 3 + 2];
        for (let b = 0; b < 6; b++) {
          const gb = G[b];
          uv[(a * 6 + b) * panels * cin * 8 + col] = t0 * gb[0] + t1 * gb[1] + t2 * gb[2];
        }
      }
    }
  }
  return u;
}

/** Whether Winograd is used for a 3x3 stride-1 conv with these channel counts (measured crossover). */
export function winogradWorthIt(cin: number, cout: number): boolean {
  const m = WINOGRAD_MIN_CHANNELS;
  return cin >= m.cin && cout >= m.cout && cin * cout >= m.product;
}

/**
 * y [N, OH, OW, Cout] = 3x3 stride-1 conv of x [N,H,W,Cin] with filter [3,3,Cin,Cout], output
 * pixel (i, j) reading input rows i - padTop .. i - padTop + 2 (pads may be negative: a crop).
 * Optional bias [Cout] and relu fused. float32 only; the caller checks applicability.
 */
export function winogradConv(backend: BackendWasm, x: Info, filter: Info, padTop: number, padLeft: number, oh: number, ow: number,
  bias: Info | null = null, relu = false): Info {
  const [n, h, w, cin] = x.shape;
  const cout = filter.shape[3];
  const k = simd(backend) as unknown as WinogradExports;
  const rows = k.GEMM_ROWS.value as number;
  const chunk = Math.max(rows, Math.round(winogradChunk / rows) * rows);
  const u = transformFilter(backend, filter);
  const scratch = backend.makeOutput([k.winogradScratchFloats(cin, cout, chunk)], 'float32');
  const y = backend.makeOutput([n, oh, ow, cout], 'float32');
  // Pointers only after the last allocation.
  k.winogradConv3x3(ptr(backend, x), n, h, w, cin, ptr(backend, u), cout, bias ? ptr(backend, bias) : 0, relu ? 1 : 0,
    ptr(backend, y), oh, ow, padTop, padLeft, ptr(backend, scratch), chunk);
  free(backend, u, scratch);
  return y;
}

/**
 * Winograd for a stride-1, dilation-1 conv whose paddings [top, bottom], [left, right] may be
 * negative (crops), or null when it does not apply (not 3x3 float32, or channels too few).
 */
export function tryWinogradPadded(backend: BackendWasm, x: Info, filter: Info, ph: [number, number], pw: [number, number], dilations: [number, number]): Info | null {
  if (!applicable(x, filter) || dilations[0] !== 1 || dilations[1] !== 1) return null;
  const oh = x.shape[1] + ph[0] + ph[1] - 2, ow = x.shape[2] + pw[0] + pw[1] - 2;
  if (oh <= 0 || ow <= 0) return null;
  return winogradConv(backend, x, filter, ph[0], pw[0], oh, ow);
}

function applicable(x: Info, filter: Info): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32' && x.shape.length === 4 && filter.shape.length === 4 &&
    filter.shape[0] === 3 && filter.shape[1] === 3 && filter.shape[2] === x.shape[3] && x.shape[0] > 0 &&
    winogradWorthIt(filter.shape[2], filter.shape[3]);
}

function ones(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === 'number' ? v === 1 : (v as number[]).every((s) => s === 1);
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

/** Output pads and size when the conv attrs ask for what our kernel does, else null. */
function plan(x: Info, filter: Info, attrs: tf.NamedAttrMap): { top: number; left: number; oh: number; ow: number } | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  if ((dataFormat ?? 'NHWC') !== 'NHWC' || !ones(strides) || !ones(dilations) || !applicable(x, filter)) return null;
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
  if (!p) return stock('Conv2D', args);
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
  if (!p || preluActivationWeights != null || !biasOk || (activation !== 'linear' && activation !== 'relu')) return stock('FusedConv2D', args);
  return winogradConv(backend, x, filter, p.top, p.left, p.oh, p.ow, bias ?? null, activation === 'relu');
}
