/**
 * Tile fast path. FusedBatchNorm's gradient tiles a [1,1,1,C] vector to [N,H,W,C]; the stock wasm
 * Tile is an element-by-element loop (~430 ms at ResNet sizes). When the output is simply the
 * flat input repeated (every axis before the last rep > 1 has size 1), we copy the block once and
 * double it with copyWithin (memmove). When every tiled axis has size 1 (a broadcast, e.g. the
 * Mean gradient broadcasting a [N,1,1,C] to [N,H,W,C]) and the broadcast axes are contiguous
 * after merging, we do the same per leading block. Other cases go to the stock kernel.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel, type Info } from '../kernel-call.js';
import { rowBroadcast } from './elementwise.js';

type Flat = Float32Array | Int32Array | Uint8Array;

/** Repeats dst[at, at + block) so that it fills dst[at, at + block * times) (doubling memmoves). */
function repeatBlock(dst: Flat, at: number, block: number, times: number): void {
  let filled = block;
  const total = block * times;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(at + filled, at, at + n);
    filled += n;
  }
}

/**
 * Number of whole-block repeats when tiling `shape` by `reps` equals repeating the flat input,
 * or 0 when it does not. True iff every axis before the last rep > 1 has size 1.
 */
export function blockRepeats(shape: number[], reps: number[]): number {
  let last = -1;
  for (let i = 0; i < reps.length; i++) if (reps[i] > 1) last = i;
  for (let i = 0; i < last; i++) if (shape[i] !== 1) return 0;
  return reps.reduce((p, r) => p * r, 1);
}

/** Kernel func for `Tile` (input x, attr reps). */
export function tile(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const reps = (args.attrs as { reps: number[] }).reps;
  const times = blockRepeats(x.shape, reps);
  const outShape = x.shape.map((d, i) => d * reps[i]);
  // Broadcast-only tiles ([r, 1, c] -> [r, m, c] after merging axes).
  const rmc = times === 0 && reps.every((r, i) => r === 1 || x.shape[i] === 1) ? rowBroadcast(x.shape, outShape) : null;
  if ((times === 0 && !rmc) || x.dtype === 'string' || x.dtype === 'complex64') {
    return stockKernel('Tile')!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  }
  const out = backend.makeOutput(outShape, x.dtype);
  // Views only after allocating: malloc may grow (and detach) the heap buffer.
  const src = backend.typedArrayFromHeap(x) as Flat;
  const dst = backend.typedArrayFromHeap(out) as Flat;
  if (src.length === 0) return out;
  const [r, m, c] = rmc ?? [1, times, src.length];
  for (let i = 0; i < r; i++) {
    dst.set(src.subarray(i * c, (i + 1) * c), i * m * c);
    repeatBlock(dst, i * m * c, c, m);
  }
  return out;
}
