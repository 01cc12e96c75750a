/**
 * Tile fast path. FusedBatchNorm's gradient tiles a [1,1,1,C] vector to [N,H,W,C]; the stock wasm
 * Tile is an element-by-element loop (~430 ms at ResNet sizes). When the output is simply the
 * flat input repeated (every axis before the last rep > 1 has size 1), we copy the block once and
 * double it with copyWithin (memmove); other cases go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel, type Info } from './kernel-call.js';

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
  if (times === 0 || x.dtype === 'string' || x.dtype === 'complex64') {
    return stockKernel('Tile')!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  }
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  // Views only after allocating: malloc may grow (and detach) the heap buffer.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const block = src.length;
  if (block === 0) return out;
  dst.set(src, 0);
  let filled = block;
  const total = block * times;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}
