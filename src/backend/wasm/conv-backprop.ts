/**
 * Conv2D gradients for the wasm backend, re-expressed as forward `Conv2D` calls (XNNPACK), which
 * is far faster than the stock direct loops (Conv2DBackpropInput) and fills a gap
 * (stock wasm has no Conv2DBackpropFilter). NHWC only, dilation 1 (as tfjs' conv gradients).
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, free, padOrCrop, reshape, transpose, type Info } from '../kernel-call.js';
import { filterGradDirect, handlesFilterGrad } from './filter-grad.js';
import { tryWinogradPadded } from './winograd.js';
import { trySparseInputGrad } from './sparse-input-grad.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function convInfo(xShape: number[], filterShape: number[], strides: number | [number, number], pad: Pad, rounding: Rounding, dataFormat: string) {
  if (dataFormat === 'NCHW') throw new Error('wasm conv gradients support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides, 1, pad, rounding, false, 'channelsLast',
  );
}

/**
 * Runs a stride-1 valid-or-padded Conv2D whose paddings `[top, bottom]`, `[left, right]` may be
 * negative (negative = crop the input first).
 */
function convPadded(backend: BackendWasm, x: Info, filter: Info, ph: [number, number], pw: [number, number], dilations: [number, number]): Info {
  // 3x3 filters with enough channels: our Winograd kernel, which pads and crops as it reads.
  const wino = tryWinogradPadded(backend, x, filter, ph, pw, dilations);
  if (wino) return wino;
  const crop: [number, number][] = [[0, 0], [Math.min(0, ph[0]), Math.min(0, ph[1])], [Math.min(0, pw[0]), Math.min(0, pw[1])], [0, 0]];
  const xc = padOrCrop(backend, x, crop);
  const pad = [[0, 0], [Math.max(0, ph[0]), Math.max(0, ph[1])], [Math.max(0, pw[0]), Math.max(0, pw[1])], [0, 0]];
  const out = call(backend, 'Conv2D', { x: xc, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap);
  free(backend, xc);
  return out;
}

/**
 * dW[kh,kw,ci,co] = sum_{n,i,j} x[n, i*sH + kh - pt, j*sW + kw - pl, ci] dy[n,i,j,co]:
 * a convolution of x^T [Ci,H,W,N] with dy^T [OH,OW,N,Co] as the filter, dilated by the stride.
 * Inputs x [N,H,W,Ci], dy [N,OH,OW,Co]; output [KH,KW,Ci,Co].
 */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = convInfo(x.shape, filterShape, strides, pad as Pad, dimRoundingMode, dataFormat);
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  // Stride 1: our SIMD kernel (filter-grad.ts), a direct GEMM over pixels.
  if (handlesFilterGrad(x, dy, info)) return filterGradDirect(backend, x, dy, info);
  // Single-channel input (a first conv layer on grey images): a patch matrix of KH*KW rows is small,
  // and one matmul beats the conv below (measured cnn conv1, batch 128: ~18 ms -> ~5 ms). With many
  // channels the JS patch copy costs more than it saves (measured cnn conv2: slower).
  if (x.shape[3] === 1 && x.dtype === 'float32' && kh * kw * x.shape[0] * oh * ow <= IM2COL_MAX) {
    return filterGradIm2col(backend, x, dy, info);
  }
  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  // Padded extent so that a filter of effective size (oh-1)*sh+1 yields exactly kh outputs.
  const pb = kh + (oh - 1) * sh - h - pt;
  const pr = kw + (ow - 1) * sw - w - pl;
  const r = convPadded(backend, xT, dyT, [pt, pb], [pl, pr], [sh, sw]);
  free(backend, xT, dyT);
  const out = transpose(backend, r, [1, 2, 0, 3]);
  free(backend, r);
  return out;
}

/**
 * dx = full correlation of the stride-dilated dy with the spatially flipped, in/out-swapped
 * filter. Inputs dy [N,OH,OW,Co], filter [KH,KW,Ci,Co]; output `inputShape` [N,H,W,Ci].
 */
export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = convInfo(inputShape, filter.shape, strides, pad as Pad, dimRoundingMode, dataFormat);
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
  const [n, , , co] = dy.shape;
  // dy behind max-pool un-pooling and relu is mostly zeros: a transposed conv that skips them.
  const sparse = trySparseInputGrad(backend, dy, filter, info);
  if (sparse) return sparse;
  // Single-channel input (the image gradient of a first conv layer on grey images, which exact GC
  // always needs): XNNPACK runs a 1-output-channel conv slowly (measured ~5 GFLOP/s), a matmul
  // plus a JS scatter-add is faster.
  if (filter.shape[2] === 1 && dy.dtype === 'float32') return inputGradCol2im(backend, dy, filter, info);
  const top = kh - 1 - info.padInfo.top, left = kw - 1 - info.padInfo.left;
  if (sh === 1 && sw === 1) {
    // 3x3: Winograd reading the forward filter flipped and in/out-swapped in place (no Reverse/Transpose).
    const wino = tryWinogradPadded(backend, dy, filter, [top, h + kh - 1 - oh - top], [left, w + kw - 1 - ow - left], [1, 1], true);
    if (wino) return wino;
  }
  let dyD: Info;
  if (sh === 1 && sw === 1) {
    dyD = reshape(backend, dy, dy.shape.slice());
  } else {
    // Insert (s-1) zeros after every row/column: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C].
    const r6 = reshape(backend, dy, [n, oh, 1, ow, 1, co]);
    const p6 = call(backend, 'PadV2', { x: r6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    free(backend, r6);
    dyD = reshape(backend, p6, [n, oh * sh, ow * sw, co]);
    free(backend, p6);
  }
  const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const wT = transpose(backend, flipped, [0, 1, 3, 2]);
  free(backend, flipped);
  const hd = dyD.shape[1], wd = dyD.shape[2];
  const out = convPadded(backend, dyD, wT, [top, h + kh - 1 - hd - top], [left, w + kw - 1 - wd - left], [1, 1]);
  free(backend, dyD, wT);
  return out;
}

/** Largest patch matrix (floats) built for the matmul filter gradient. */
const IM2COL_MAX = 8 * 1024 * 1024;

/**
 * dW^T [Co, KH*KW] = dy^T [Co, M] x P [M, KH*KW] for single-channel x, M = N*OH*OW, P the patch
 * matrix (im2col) of x built in JS; then a small transpose to [KH,KW,1,Co]. P is the right operand
 * because XNNPACK re-packs the right operand on every call and P is far smaller than dy.
 */
function filterGradIm2col(backend: BackendWasm, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
  const n = x.shape[0];
  const co = dy.shape[3];
  const m = n * oh * ow, k = kh * kw;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  const p = backend.makeOutput([1, m, k], 'float32');
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const pv = backend.typedArrayFromHeap(p) as Float32Array;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let r = 0; r < kh; r++) {
          const row = i * sh + r - pt;
          const base = (b * h + row) * w;
          const inRow = row >= 0 && row < h;
          for (let s = 0, col = j * sw - pl; s < kw; s++, col++, o++) pv[o] = inRow && col >= 0 && col < w ? xv[base + col] : 0;
        }
      }
    }
  }
  const dy2 = reshape(backend, dy, [m, co]);
  const dyT = transpose(backend, dy2, [1, 0]);
  free(backend, dy2);
  const dyT3 = reshape(backend, dyT, [1, co, m]);
  free(backend, dyT);
  const r3 = call(backend, 'BatchMatMul', { a: dyT3, b: p }, { transposeA: false, transposeB: false });
  free(backend, p, dyT3);
  const r2 = reshape(backend, r3, [co, k]);
  free(backend, r3);
  const out = transpose(backend, r2, [1, 0]);
  free(backend, r2);
  const out4 = reshape(backend, out, [kh, kw, 1, co]);
  free(backend, out);
  return out4;
}

/**
 * dx for single-channel x: cols [M, KH*KW] = dy [M, Co] x W^T [Co, KH*KW] (M = N*OH*OW), then
 * each column entry is added to the input pixel it came from (col2im).
 */
function inputGradCol2im(backend: BackendWasm, dy: Info, filter: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, batchSize: n } = info;
  const co = dy.shape[3];
  const m = n * oh * ow, k = kh * kw;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  const w2 = reshape(backend, filter, [k, co]);
  const wT = transpose(backend, w2, [1, 0]);
  free(backend, w2);
  const b3 = reshape(backend, wT, [1, co, k]);
  free(backend, wT);
  const a3 = reshape(backend, dy, [1, m, co]);
  const cols = call(backend, 'BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false });
  free(backend, a3, b3);
  const dx = backend.makeOutput([n, h, w, 1], 'float32');
  // Views only after allocating: malloc may grow (and detach) the heap buffer.
  const cv = backend.typedArrayFromHeap(cols) as Float32Array;
  const dv = backend.typedArrayFromHeap(dx) as Float32Array;
  dv.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let r = 0; r < kh; r++) {
          const row = i * sh + r - pt;
          if (row < 0 || row >= h) {
            o += kw;
            continue;
          }
          const base = (b * h + row) * w;
          for (let s = 0, col = j * sw - pl; s < kw; s++, col++, o++) if (col >= 0 && col < w) dv[base + col] += cv[o];
        }
      }
    }
  }
  free(backend, cols);
  return dx;
}
