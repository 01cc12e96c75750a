// Register-blocked SIMD GEMM for the Winograd convolution: C[rows, np] = A[rows, k] x B[k, np],
// A row-major (row stride lda floats), B packed in column panels of 8 ([np/8][k][8]), C row-major
// (row stride ldc floats). rows must be a multiple of GEMM_ROWS, np a multiple of 8.
// No FMA in baseline wasm SIMD: each k step does 2 panel loads, 4 broadcast loads and 8 mul+add
// pairs into 8 accumulators. Measured (V8, Zen 5, in cache): 4x8 ~52 GFLOP/s, 3x8 ~52, 2x16 ~53,
// 6x8 ~30, 4x12 ~30, 4x16 ~29 (V8 spills once accumulators + operands exceed 16 xmm registers);
// unrolling k by 2 ~18.

/** Rows of the micro-kernel's register block (the caller rounds row counts up to a multiple). */
export const GEMM_ROWS: i32 = 4;

/** C[4, 8] = A[4, k] x panel[k, 8] (byte strides lda, ldc). */
// @ts-ignore: decorator
@inline function micro4x8(a: usize, lda: usize, b: usize, k: i32, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  let bp = b;
  const end = a + (<usize>k << 2);
  for (let p = a; p < end; p += 4) {
    const off = p - a;
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    bp += 32;
    // load32_splat: one broadcast load (f32x4.splat(load) measured ~12% slower).
    let x = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1 + off);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2 + off);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3 + off);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  let q = c + ldc;
  v128.store(q, c10);
  v128.store(q, c11, 16);
  q += ldc;
  v128.store(q, c20);
  v128.store(q, c21, 16);
  q += ldc;
  v128.store(q, c30);
  v128.store(q, c31, 16);
}

/**
 * C[rows, np] = A[rows, k] x B[k, np] with B packed as [np/8][k][8]. lda, ldc in floats.
 * rows a multiple of GEMM_ROWS, np a multiple of 8.
 */
export function gemmPanels(a: usize, lda: i32, b: usize, k: i32, c: usize, ldc: i32, rows: i32, np: i32): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  const panelB = <usize>k << 5;
  // Row block outer: its 4 A rows (4*k floats) stay in L1 while every B panel streams past.
  for (let i = 0; i < rows; i += GEMM_ROWS) {
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    for (let j = 0; j < np; j += 8) {
      micro4x8(ai, ldaB, b + (<usize>(j >> 3)) * panelB, k, ci + (<usize>j << 2), ldcB);
    }
  }
}
