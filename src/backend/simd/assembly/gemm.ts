// Register-blocked SIMD GEMM for the Winograd convolution: C[rows, np] = A[rows, k] x B[k, np],
// A row-major (row stride lda floats), B packed in column panels of 8 ([np/8][k][8]), C row-major
// (row stride ldc floats). rows must be a multiple of GEMM_ROWS, np a multiple of 8.
// No FMA in baseline wasm SIMD: each k step does 2 panel loads, GEMM_ROWS broadcasts and
// 2*GEMM_ROWS mul+add pairs into 2*GEMM_ROWS accumulators (12 of 16 xmm registers at 6 rows).

/** Rows of the micro-kernel's register block (the caller rounds row counts up to a multiple). */
export const GEMM_ROWS: i32 = 6;

/** C[6, 8] = A[6, k] x panel[k, 8] (byte strides lda, ldc). */
// @ts-ignore: decorator
@inline function micro6x8(a: usize, lda: usize, b: usize, k: i32, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
  let bp = b;
  const end = a + (<usize>k << 2);
  for (let p = a; p < end; p += 4) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    bp += 32;
    const off = p - a;
    let x = f32x4.splat(load<f32>(p));
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = f32x4.splat(load<f32>(a1 + off));
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = f32x4.splat(load<f32>(a2 + off));
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = f32x4.splat(load<f32>(a3 + off));
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    x = f32x4.splat(load<f32>(a4 + off));
    c40 = f32x4.add(c40, f32x4.mul(x, b0));
    c41 = f32x4.add(c41, f32x4.mul(x, b1));
    x = f32x4.splat(load<f32>(a5 + off));
    c50 = f32x4.add(c50, f32x4.mul(x, b0));
    c51 = f32x4.add(c51, f32x4.mul(x, b1));
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
  q += ldc;
  v128.store(q, c40);
  v128.store(q, c41, 16);
  q += ldc;
  v128.store(q, c50);
  v128.store(q, c51, 16);
}

/**
 * C[rows, np] = A[rows, k] x B[k, np] with B packed as [np/8][k][8]. lda, ldc in floats.
 * rows a multiple of GEMM_ROWS, np a multiple of 8.
 */
export function gemmPanels(a: usize, lda: i32, b: usize, k: i32, c: usize, ldc: i32, rows: i32, np: i32): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  const panelB = <usize>k << 5;
  // Row block outer: its 6 A rows (6*k floats) stay in L1 while every B panel streams past.
  for (let i = 0; i < rows; i += GEMM_ROWS) {
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    for (let j = 0; j < np; j += 8) {
      micro6x8(ai, ldaB, b + (<usize>(j >> 3)) * panelB, k, ci + (<usize>j << 2), ldcB);
    }
  }
}
