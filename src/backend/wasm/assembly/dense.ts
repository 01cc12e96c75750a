// Dense-layer GEMM: C[m, n] = op(A) x op(B) (+ bias[n]) (then relu), for MatMul / _FusedMatMul
// forward and the two transposed products of their backward pass. B is first packed into column
// panels of 8 ([ceil(n/8)][k][8], zero-padded), which also absorbs transposeB; a transposed A is
// copied row-major. The 4x8 register block is the Winograd GEMM's (gemm.ts: 8 accumulators plus
// 2 panel vectors and a broadcast fit V8's 16 xmm registers), with madd (madd.ts) fused in the
// relaxed-SIMD build. Bias and relu are applied when the block is stored.
import { madd } from './madd';

/**
 * Packs B into panels: dst[j/8][p][j%8] = op(B)[p, j] for p < k, j < n; zero for n <= j < np.
 * transB = 0: B is [k, n] row-major; 1: B is [n, k] row-major (op(B) = B^T).
 */
export function densePackB(b: usize, k: i32, n: i32, transB: i32, dst: usize): void {
  const np = (n + 7) & ~7;
  for (let j0 = 0; j0 < np; j0 += 8) {
    const panel = dst + (<usize>(j0 >> 3) * <usize>k << 5);
    const full = j0 + 8 <= n;
    if (!transB && full) {
      // Two vector loads per row of the panel.
      for (let p = 0; p < k; p++) {
        const src = b + ((<usize>p * <usize>n + <usize>j0) << 2);
        const d = panel + (<usize>p << 5);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      }
      continue;
    }
    for (let l = 0; l < 8; l++) {
      const j = j0 + l;
      if (j >= n) {
        for (let p = 0; p < k; p++) store<f32>(panel + (<usize>p << 5) + (<usize>l << 2), 0);
      } else if (transB) {
        // Row j of B is column j of op(B): contiguous reads.
        const src = b + (<usize>j * <usize>k << 2);
        for (let p = 0; p < k; p++) store<f32>(panel + (<usize>p << 5) + (<usize>l << 2), load<f32>(src + (<usize>p << 2)));
      } else {
        for (let p = 0; p < k; p++) store<f32>(panel + (<usize>p << 5) + (<usize>l << 2), load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2)));
      }
    }
  }
}

/** dst[m, k] = A^T for A stored [k, m] row-major (the transposed A of a backward product). */
export function densePackA(a: usize, k: i32, m: i32, dst: usize): void {
  // Blocks of 8 source rows: each destination row gets 8 consecutive floats per block.
  for (let p0 = 0; p0 < k; p0 += 8) {
    const pe = min(p0 + 8, k);
    for (let i = 0; i < m; i++) {
      const d = dst + ((<usize>i * <usize>k) << 2);
      for (let p = p0; p < pe; p++) store<f32>(d + (<usize>p << 2), load<f32>(a + ((<usize>p * <usize>m + <usize>i) << 2)));
    }
  }
}

// @ts-ignore: decorator
@inline function epilogue(v: v128, bias: v128, relu: bool): v128 {
  const s = f32x4.add(v, bias);
  return relu ? f32x4.max(s, f32x4.splat(0)) : s;
}

/** Stores an 8-wide row of the block: vectors when the panel is full, else lanes j0..n-1 only. */
// @ts-ignore: decorator
@inline function storeRow(c: usize, v0: v128, v1: v128, bias: usize, j0: i32, n: i32, relu: bool): void {
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  if (j0 + 8 <= n) {
    if (bias) {
      b0 = v128.load(bias);
      b1 = v128.load(bias, 16);
    }
    v128.store(c, epilogue(v0, b0, relu));
    v128.store(c, epilogue(v1, b1, relu), 16);
    return;
  }
  const w = n - j0;
  for (let l = 0; l < w; l++) {
    let s: f32 = l < 4 ? f32x4.extract_lane(v0, 0) : 0;
    // Lane extraction needs constant indices: pick by a small switch.
    switch (l) {
      case 1: s = f32x4.extract_lane(v0, 1); break;
      case 2: s = f32x4.extract_lane(v0, 2); break;
      case 3: s = f32x4.extract_lane(v0, 3); break;
      case 4: s = f32x4.extract_lane(v1, 0); break;
      case 5: s = f32x4.extract_lane(v1, 1); break;
      case 6: s = f32x4.extract_lane(v1, 2); break;
      case 7: s = f32x4.extract_lane(v1, 3); break;
    }
    if (bias) s += load<f32>(bias + (<usize>l << 2));
    if (relu && s < 0) s = 0;
    store<f32>(c + (<usize>l << 2), s);
  }
}

/**
 * C[m, n] = A[m, k] x panels (+ bias) (relu): A row-major with row stride lda floats, panels from
 * densePackB, C row-major with row stride ldc floats. bias: 0 for none, else n floats.
 */
export function denseGemm(a: usize, lda: i32, panels: usize, m: i32, k: i32, n: i32, c: usize, ldc: i32, bias: usize, relu: i32): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  const panelB = <usize>k << 5;
  const doRelu = relu != 0;
  // Column chunks of about 64 KiB of panels (L2-resident) outer, so each chunk is reused by every
  // row block; within a chunk, row blocks of 4 (their A rows, 4k floats, stay in L1).
  const nc = max(8, ((16384 / k) >> 3) << 3);
  const mb = m & ~3;
  for (let jc = 0; jc < n; jc += nc) {
    const je = min(n, jc + nc);
    for (let i = 0; i < mb; i += 4) {
      const a0 = a + <usize>i * ldaB, a1 = a0 + ldaB, a2 = a1 + ldaB, a3 = a2 + ldaB;
      const ci = c + <usize>i * ldcB;
      for (let j = jc; j < je; j += 8) {
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let bp = panels + <usize>(j >> 3) * panelB;
        const end = <usize>k << 2;
        for (let off: usize = 0; off < end; off += 4) {
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          bp += 32;
          let x = v128.load32_splat(a0 + off);
          c00 = madd(x, b0, c00);
          c01 = madd(x, b1, c01);
          x = v128.load32_splat(a1 + off);
          c10 = madd(x, b0, c10);
          c11 = madd(x, b1, c11);
          x = v128.load32_splat(a2 + off);
          c20 = madd(x, b0, c20);
          c21 = madd(x, b1, c21);
          x = v128.load32_splat(a3 + off);
          c30 = madd(x, b0, c30);
          c31 = madd(x, b1, c31);
        }
        const bj = bias ? bias + (<usize>j << 2) : 0;
        const cj = ci + (<usize>j << 2);
        storeRow(cj, c00, c01, bj, j, n, doRelu);
        storeRow(cj + ldcB, c10, c11, bj, j, n, doRelu);
        storeRow(cj + 2 * ldcB, c20, c21, bj, j, n, doRelu);
        storeRow(cj + 3 * ldcB, c30, c31, bj, j, n, doRelu);
      }
    }
  }
  let i = mb;
  // Leftover rows one at a time (2 accumulators per row: latency-bound, but at most 3 rows).
  for (; i < m; i++) {
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    for (let j = 0; j < n; j += 8) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      let bp = panels + <usize>(j >> 3) * panelB;
      const end = <usize>k << 2;
      for (let off: usize = 0; off < end; off += 4) {
        const x = v128.load32_splat(ai + off);
        c0 = madd(x, v128.load(bp), c0);
        c1 = madd(x, v128.load(bp, 16), c1);
        bp += 32;
      }
      storeRow(ci + (<usize>j << 2), c0, c1, bias ? bias + (<usize>j << 2) : 0, j, n, doRelu);
    }
  }
}

/**
 * The engine's multiply-add throughput, for GEMM rate comparisons (bench/kernels/dense-bench.ts):
 * iters x 12 independent madds on registers only (8 flops each), no memory traffic. Returns a
 * value that depends on every lane so nothing is optimised away.
 */
export function maddPeak(iters: i32, seed: f32): f32 {
  const x = f32x4.splat(seed), y = f32x4.splat(<f32>1 - seed);
  let a0 = x, a1 = y, a2 = x, a3 = y, a4 = x, a5 = y, a6 = x, a7 = y, a8 = x, a9 = y, a10 = x, a11 = y;
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, x, y); a1 = madd(a1, x, y); a2 = madd(a2, x, y); a3 = madd(a3, x, y);
    a4 = madd(a4, x, y); a5 = madd(a5, x, y); a6 = madd(a6, x, y); a7 = madd(a7, x, y);
    a8 = madd(a8, x, y); a9 = madd(a9, x, y); a10 = madd(a10, x, y); a11 = madd(a11, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
