/**
 * MaxPool, MaxPoolGrad and MaxPoolWithArgmax for the wasm backend: our SIMD kernels
 * (src/backend/wasm/assembly/pooling.ts) for float32, JS over the wasm heap otherwise. The stock
 * kernels (tfjs-backend-wasm 4.22) start each window's running max at 0, so windows whose values
 * are all negative route the gradient nowhere (measured: 3 of 8 windows lost on a random input).
 * Ties go to the first maximum in row-major window order, as on the cpu backend.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel, type Info } from '../kernel-call.js';
import { ptr, simd } from '../simd.js';
import type { SimdExports } from '../kernels.generated.js';

type PoolAttrs = { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

/**
 * Calls `visit(o, i)` for every output element o (flat NHWC index into the pooled output) with
 * i the flat index (batch included) of its window's first maximum in `x` (-1 for an empty window).
 */
function forEachArgmax(x: ArrayLike<number>, xShape: number[], attrs: PoolAttrs, visit: (o: number, i: number) => void): number[] {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const fh = info.effectiveFilterHeight, fw = info.effectiveFilterWidth;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  const best = new Float64Array(c);
  const arg = new Int32Array(c);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const h0 = i * sh - pt;
      for (let j = 0; j < ow; j++) {
        const w0 = j * sw - pl;
        best.fill(-Infinity);
        arg.fill(-1);
        for (let y = Math.max(0, h0); y < Math.min(h, h0 + fh); y++) {
          for (let xx = Math.max(0, w0); xx < Math.min(w, w0 + fw); xx++) {
            const base = ((b * h + y) * w + xx) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch];
              // NaN wins, as a NaN max propagates in the forward pass.
              if (v > best[ch] || (arg[ch] < 0) || (v !== v && best[ch] === best[ch])) {
                best[ch] = v;
                arg[ch] = base + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) visit(o++, arg[ch]);
      }
    }
  }
  return info.outShape;
}

/** Exports of our SIMD module used here (src/backend/wasm/assembly/pooling.ts). */
type PoolingExports = Pick<SimdExports, 'maxPool2x2' | 'maxPoolGrad2x2' | 'maxPoolGradGeneral'>;

function kernels(backend: BackendWasm): PoolingExports {
  return simd(backend);
}

function poolInfo(shape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/** Non-overlapping unpadded 2x2 stride-2 windows (every window fully inside the image). */
export function isPlain2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
    info.dilationHeight === 1 && info.dilationWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth;
}

/**
 * `MaxPool` (input x [N,H,W,C]): y [N,OH,OW,C]. Our SIMD kernel for plain 2x2 stride-2 windows
 * (the CNNs' pools); everything else (other windows, padding, dtypes) goes to the stock kernel.
 */
export function maxPool(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs as unknown as PoolAttrs;
  const info = poolInfo(x.shape, attrs);
  if (x.dtype !== 'float32' || x.shape.length !== 4 || !isPlain2x2(info) || info.outHeight * info.outWidth === 0) {
    return stockKernel('MaxPool')!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  }
  const y = backend.makeOutput(info.outShape, 'float32');
  const [n, h, w, c] = x.shape;
  kernels(backend).maxPool2x2(ptr(backend, x), ptr(backend, y), n, h, w, c, info.outHeight, info.outWidth);
  return y;
}

/**
 * 0/1 mask [N,H,W,C] of the first maximum of each plain 2x2 stride-2 window of x [N,H,W,C]
 * (positions no window covers are 0). For exact GC, where one mask serves every cotangent.
 */
export function maxPoolMask2x2(backend: BackendWasm, x: Info, oh: number, ow: number): Info {
  const [n, h, w, c] = x.shape;
  const mask = backend.makeOutput(x.shape, 'float32');
  if (2 * oh < h || 2 * ow < w) (backend.typedArrayFromHeap(mask) as Float32Array).fill(0);
  kernels(backend).maxPoolGrad2x2(ptr(backend, x), 0, ptr(backend, mask), n, h, w, c, oh, ow);
  return mask;
}

/** `MaxPoolGrad` (inputs dy [N,OH,OW,C], input [N,H,W,C], output): dx [N,H,W,C]. */
export function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const attrs = args.attrs as unknown as PoolAttrs;
  const dx = backend.makeOutput(input.shape, 'float32');
  const info = poolInfo(input.shape, attrs);
  const [n, h, w, c] = input.shape;
  if (input.dtype === 'float32' && dy.dtype === 'float32') {
    const k = kernels(backend);
    if (isPlain2x2(info)) {
      // The kernel writes every covered position; only an odd trailing row/column needs zeros.
      if (2 * info.outHeight < h || 2 * info.outWidth < w) (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
      if (dy.shape.reduce((p, d) => p * d, 1) > 0) k.maxPoolGrad2x2(ptr(backend, input), ptr(backend, dy), ptr(backend, dx), n, h, w, c, info.outHeight, info.outWidth);
    } else {
      (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
      if (dy.shape.reduce((p, d) => p * d, 1) > 0) {
        k.maxPoolGradGeneral(ptr(backend, input), ptr(backend, dy), ptr(backend, dx), n, h, w, c, info.outHeight, info.outWidth,
          info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
      }
    }
    return dx;
  }
  const xv = backend.typedArrayFromHeap(input);
  const dyv = backend.typedArrayFromHeap(dy);
  const dxv = backend.typedArrayFromHeap(dx) as Float32Array;
  dxv.fill(0);
  forEachArgmax(xv, input.shape, attrs, (o, i) => {
    if (i >= 0) dxv[i] += dyv[o];
  });
  return dx;
}

/** `MaxPoolWithArgmax` (input x [N,H,W,C]): [pooled [N,OH,OW,C], flat argmax indexes (int32)]. */
export function maxPoolWithArgmax(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info[] {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs as unknown as PoolAttrs & { includeBatchInIndex: boolean };
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const pooled = backend.makeOutput(info.outShape, x.dtype);
  const indexes = backend.makeOutput(info.outShape, 'int32');
  const xv = backend.typedArrayFromHeap(x);
  const pv = backend.typedArrayFromHeap(pooled);
  const iv = backend.typedArrayFromHeap(indexes);
  const perImage = x.shape[1] * x.shape[2] * x.shape[3];
  forEachArgmax(xv, x.shape, attrs, (o, i) => {
    pv[o] = i >= 0 ? xv[i] : -Infinity;
    iv[o] = attrs.includeBatchInIndex ? i : i % perImage;
  });
  return [pooled, indexes];
}
