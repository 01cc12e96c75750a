/**
 * BatchMatMul / _FusedMatMul on our dense GEMM (assembly/dense.ts): plain and transposed operands
 * alike (the backward pass of every dense layer is two transposed products), bias and relu fused.
 * Stock XNNPACK repacks the weights on every call and is 10-30x slower with transposes.
 * Cases the GEMM does not take (non-float32, other fused activations, PReLU weights, a bias that
 * is not one value per output column, batch shapes that are neither equal nor 1) go to the stock
 * kernel, transposes made explicit.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import { free, stockKernel, transpose, type Info } from '../kernel-call.js';

/** Permutation swapping the last two axes of a rank-`rank` tensor. */
function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

const prod = (s: number[]) => s.reduce((p, q) => p * q, 1);

/**
 * C = op(A) x op(B) (+ bias) (relu) on our GEMM, or null when the case is not one it handles.
 * a [...batchA, M, K] (or [..., K, M] with transposeA), b [...batchB, K, N] (or [..., N, K]);
 * batch shapes equal, or one of them all ones (broadcast). bias: N floats. Output [...batch, M, N].
 */
export function denseMatMul(backend: BackendWasm, a: Info, b: Info, transposeA: boolean, transposeB: boolean, bias: Info | null, relu: boolean): Info | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return null;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null;
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const na = prod(batchA), nb = prod(batchB);
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && na !== 1 && nb !== 1) return null;
  if (bias && prod(bias.shape) !== n) return null;
  const batch = Math.max(na, nb);
  const outBatch = na >= nb ? batchA : batchB;
  const out = backend.makeOutput([...outBatch, m, n], 'float32');
  if (batch === 0 || m === 0 || n === 0) return out;
  const kern = simd(backend);
  const np = (n + 7) & ~7;
  // One B shared by every A of the batch and A not transposed: the batch is just more rows.
  const foldRows = nb === 1 && !transposeA;
  const gemms = foldRows ? 1 : batch;
  const rows = foldRows ? m * na : m;
  const scratch = backend.makeOutput([np * k + (transposeA ? m * k : 0) || 1], 'float32');
  // Pointers only after the last allocation.
  const pa = ptr(backend, a), pb = ptr(backend, b), pc = ptr(backend, out), ps = ptr(backend, scratch);
  const pbias = bias ? ptr(backend, bias) : 0;
  const packedA = ps + np * k * 4;
  let packedFor = -1;
  for (let g = 0; g < gemms; g++) {
    const ib = nb === 1 ? 0 : g;
    if (ib !== packedFor) {
      kern.densePackB(pb + ib * k * n * 4, k, n, transposeB ? 1 : 0, ps);
      packedFor = ib;
    }
    let pai = pa + (na === 1 ? 0 : g) * m * k * 4;
    if (transposeA) {
      kern.densePackA(pai, k, m, packedA);
      pai = packedA;
    }
    kern.denseGemm(pai, k, ps, rows, k, n, pc + g * m * n * 4, n, pbias, relu ? 1 : 0);
  }
  free(backend, scratch);
  return out;
}

function makeMatMul(name: string) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info | Info[] => {
    const backend = args.backend as BackendWasm;
    const { transposeA = false, transposeB = false, activation = 'linear' } = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: Info; b: Info; bias?: Info; preluActivationWeights?: Info };
    if (!preluActivationWeights && (activation === 'linear' || activation === 'relu')) {
      const out = denseMatMul(backend, a, b, transposeA, transposeB, bias ?? null, activation === 'relu');
      if (out) return out;
    }
    const stock = stockKernel(name);
    if (!stock) throw new Error(`stock wasm ${name} was not captured`);
    if (!transposeA && !transposeB) return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
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
