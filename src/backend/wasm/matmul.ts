/**
 * BatchMatMul / _FusedMatMul with transposes. The stock wasm kernels are 10-30x slower with
 * transposeA/transposeB than without (XNNPACK's fast path needs plain row-major operands), and
 * every dense layer's backward pass uses them, so we transpose explicitly and call the stock
 * kernel untransposed.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, stockKernel, transpose, type Info } from '../kernel-call.js';

/** Permutation swapping the last two axes of a rank-`rank` tensor. */
function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

function makeMatMul(name: string) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info | Info[] => {
    const backend = args.backend as BackendWasm;
    const stock = stockKernel(name);
    if (!stock) throw new Error(`stock wasm ${name} was not captured`);
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    const { a, b } = args.inputs as { a: Info; b: Info };
    const a2 = transposeA ? transpose(backend, a, swapLast(a.shape.length)) : a;
    const b2 = transposeB ? transpose(backend, b, swapLast(b.shape.length)) : b;
    const out = stock.kernelFunc({
      inputs: { ...args.inputs, a: a2, b: b2 },
      backend: backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as Info;
    if (transposeA) free(backend, a2);
    if (transposeB) free(backend, b2);
    return out;
  };
}

/** Kernel funcs for `BatchMatMul` and `_FusedMatMul` (inputs a, b[, bias, preluActivationWeights]). */
export const batchMatMul = makeMatMul('BatchMatMul');
export const fusedMatMul = makeMatMul('_FusedMatMul');
