/**
 * Transpose fast path. The stock wasm Transpose walks the output element by element with index
 * arithmetic (measured ~14 ns/element: 118 ms for the [N,H,W,C] -> [C,H,W,N] copy the conv
 * filter gradient makes at ResNet sizes). After merging axes that stay adjacent, the permutations
 * training uses are batched 2-D transposes: out[c, m, a] = in[a, m, c] (perm [2,1,0] on
 * [A, M, C]; [1,0] and batched [0,2,1] are special cases). We do those with our SIMD kernel
 * (wasm/assembly/transpose.ts: tiles staged through a small scratch, 4x4 register blocks).
 * Measured at [128,32,32,64] perm [3,1,2,0]: stock 88 ms, the JS tiled loop it replaces 22 ms,
 * SIMD 7.4 ms. Everything else, including block swaps such as
 * [1,2,0,3] whose contiguous rows the stock kernel already copies fast (measured faster than
 * per-row `set` in JS), goes to the stock kernel.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { free, stockKernel, type Info } from '../kernel-call.js';

/**
 * Merges axes of `shape` that are adjacent and in order in `perm`, dropping size-1 axes.
 * Returns the reduced input shape and permutation (e.g. [N,H,W,C] with [3,1,2,0] -> [N,HW,C], [2,1,0]).
 */
export function mergeAxes(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = perm.filter((a) => shape[a] !== 1);
  // Groups of consecutive input axes, in output order.
  const groups: number[][] = [];
  for (const a of keep) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1] + 1 === a) g.push(a);
    else groups.push([a]);
  }
  const byInput = [...groups].sort((p, q) => p[0] - q[0]);
  const mergedShape = byInput.map((g) => g.reduce((p, a) => p * shape[a], 1));
  return { shape: mergedShape, perm: groups.map((g) => byInput.indexOf(g)) };
}

/** Kernel func for `Transpose` (input x, attr perm). */
export function transpose(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const perm = (args.attrs as { perm: number[] }).perm;
  const m = mergeAxes(x.shape, perm);
  const key = m.perm.join('');
  const size = x.shape.reduce((p, d) => p * d, 1);
  // Small tensors: the stock kernel's fixed cost is lower than ours.
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || size < 4096 || !(key === '210' || key === '10' || key === '021')) {
    return stockKernel('Transpose')!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  }
  const out = backend.makeOutput(perm.map((p) => x.shape[p]), x.dtype);
  const k = simd(backend);
  const scratch = backend.makeOutput([k.transposeScratch()], 'float32');
  const px = ptr(backend, x), po = ptr(backend, out), ps = ptr(backend, scratch);
  if (key === '210') k.transpose210(m.shape[0], m.shape[1], m.shape[2], px, po, ps);
  else if (key === '10') k.transpose210(m.shape[0], 1, m.shape[1], px, po, ps);
  else {
    // Batched matrix transpose (matmul operands): one 2-D transpose per leading index.
    const block = 4 * m.shape[1] * m.shape[2];
    for (let b = 0; b < m.shape[0]; b++) k.transpose210(m.shape[1], 1, m.shape[2], px + b * block, po + b * block, ps);
  }
  free(backend, scratch);
  return out;
}
