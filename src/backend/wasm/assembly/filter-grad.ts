// Conv2D filter gradient (stride 1, dilation 1, NHWC float32) as a GEMM with a huge reduction:
//   dW[r, co] = sum_p X[p, r] * dy[p, co],  r = (kh*KW + kw)*Cin + ci,  p = (n, i, j)
// where X[p, r] = xp[n, i+kh, j+kw, ci] is read in place from the zero-padded input xp (implicit
// im2col: each row r is a fixed byte offset from the pixel's base address, so no patch matrix is
// built). Vectorised over co (NHWC keeps dy's channels contiguous); register blocks of ROWS rows x
// 8 co accumulate over a block of image rows, then go back to dW (cache blocking over pixels).
// x values are broadcast straight from memory (load32_splat: a load, no shuffle).
// All pointers are byte offsets into tfjs's memory; nothing is allocated here.

/**
 * Zero-pads x [N,H,W,C] into xp [N,HP,WP,C]: xp[n,a,b,c] = x[n,a-pt,b-pl,c] where in range, else 0.
 * pt/pl may exceed the needed border (HP/WP smaller than H+pt+... crops the bottom/right).
 */
export function filterGradPad(x: usize, xp: usize, n: i32, h: i32, w: i32, c: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  const rowBytes = <usize>(wp * c) << 2;
  // Columns of xp backed by x: b in [b0, b1).
  const b0 = max(0, pl);
  const b1 = min(wp, w + pl);
  for (let b = 0; b < n; b++) {
    for (let a = 0; a < hp; a++) {
      const dst = xp + <usize>((b * hp + a) * wp * c) * 4;
      const src = a - pt;
      if (src < 0 || src >= h || b1 <= b0) {
        memory.fill(dst, 0, rowBytes);
        continue;
      }
      if (b0 > 0) memory.fill(dst, 0, <usize>(b0 * c) << 2);
      memory.copy(dst + (<usize>(b0 * c) << 2), x + (<usize>(((b * h + src) * w + b0 - pl) * c) << 2), <usize>((b1 - b0) * c) << 2);
      if (b1 < wp) memory.fill(dst + (<usize>(b1 * c) << 2), 0, <usize>((wp - b1) * c) << 2);
    }
  }
}

/**
 * Accumulates a 4-row x 8-co block of dW over pixels (n fixed, i in [i0,i1), all j).
 * px: xp at pixel (n, i0, 0); pd: dy at (n, i0, 0, c0); acc: dW at (r0, c0).
 */
export function block4x8(px: usize, pd: usize, acc: usize, o0: usize, o1: usize, o2: usize, o3: usize,
  rows: i32, ow: i32, xRow: usize, xPix: usize, dPix: usize, accRow: usize): void {
  let a00 = v128.load(acc), a01 = v128.load(acc, 16);
  let a10 = v128.load(acc + accRow), a11 = v128.load(acc + accRow, 16);
  let a20 = v128.load(acc + 2 * accRow), a21 = v128.load(acc + 2 * accRow, 16);
  let a30 = v128.load(acc + 3 * accRow), a31 = v128.load(acc + 3 * accRow, 16);
  for (let i = 0; i < rows; i++) {
    let p = px, d = pd;
    for (let j = 0; j < ow; j++) {
      const d0 = v128.load(d), d1 = v128.load(d, 16);
      let s = v128.load32_splat(p + o0);
      a00 = f32x4.add(a00, f32x4.mul(s, d0)); a01 = f32x4.add(a01, f32x4.mul(s, d1));
      s = v128.load32_splat(p + o1);
      a10 = f32x4.add(a10, f32x4.mul(s, d0)); a11 = f32x4.add(a11, f32x4.mul(s, d1));
      s = v128.load32_splat(p + o2);
      a20 = f32x4.add(a20, f32x4.mul(s, d0)); a21 = f32x4.add(a21, f32x4.mul(s, d1));
      s = v128.load32_splat(p + o3);
      a30 = f32x4.add(a30, f32x4.mul(s, d0)); a31 = f32x4.add(a31, f32x4.mul(s, d1));
      p += xPix; d += dPix;
    }
    px += xRow; pd += dPix * <usize>ow;
  }
  v128.store(acc, a00); v128.store(acc, a01, 16);
  v128.store(acc + accRow, a10); v128.store(acc + accRow, a11, 16);
  v128.store(acc + 2 * accRow, a20); v128.store(acc + 2 * accRow, a21, 16);
  v128.store(acc + 3 * accRow, a30); v128.store(acc + 3 * accRow, a31, 16);
}

/** One row x 4 co (row tails and co tails of 4..7). */
function block1x4(px: usize, pd: usize, acc: usize, o0: usize, rows: i32, ow: i32, xRow: usize, xPix: usize, dPix: usize): void {
  let a0 = v128.load(acc);
  for (let i = 0; i < rows; i++) {
    let p = px, d = pd;
    for (let j = 0; j < ow; j++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(p + o0), v128.load(d)));
      p += xPix; d += dPix;
    }
    px += xRow; pd += dPix * <usize>ow;
  }
  v128.store(acc, a0);
}

/** One row x one co (co tails of 1..3). */
function block1x1(px: usize, pd: usize, acc: usize, o0: usize, rows: i32, ow: i32, xRow: usize, xPix: usize, dPix: usize): void {
  let a: f32 = load<f32>(acc);
  for (let i = 0; i < rows; i++) {
    let p = px, d = pd;
    for (let j = 0; j < ow; j++) {
      a += load<f32>(p + o0) * load<f32>(d);
      p += xPix; d += dPix;
    }
    px += xRow; pd += dPix * <usize>ow;
  }
  store<f32>(acc, a);
}

/**
 * dW [KH,KW,Cin,Cout] = sum_{n,i,j} xp[n, i+kh, j+kw, ci] dy[n,i,j,co] for xp [N,HP,WP,Cin] (the
 * padded input, HP >= OH+KH-1, WP >= OW+KW-1) and dy [N,OH,OW,Cout]. dW is overwritten.
 * ib: image rows per pixel block (cache blocking; dW's block accumulators round-trip once per block).
 */
export function filterGrad(xp: usize, dy: usize, dw: usize, n: i32, hp: i32, wp: i32, cin: i32,
  oh: i32, ow: i32, cout: i32, kh: i32, kw: i32, ib: i32): void {
  const m = kh * kw * cin;
  memory.fill(dw, 0, <usize>(m * cout) << 2);
  const xPix = <usize>cin << 2;
  const xRow = <usize>(wp * cin) << 2;
  const dPix = <usize>cout << 2;
  const accRow = <usize>cout << 2;
  const m4 = m & ~3;
  const c8 = cout & ~7;
  const c4 = cout & ~3;
  const kwWrap = <usize>((wp - kw) * cin) << 2;
  for (let b = 0; b < n; b++) {
    for (let i0 = 0; i0 < oh; i0 += ib) {
      const rows = min(ib, oh - i0);
      const px = xp + <usize>((b * hp + i0) * wp * cin) * 4;
      const pdRow = dy + <usize>((b * oh + i0) * ow * cout) * 4;
      for (let c0 = 0; c0 < c8; c0 += 8) {
        const pd = pdRow + (<usize>c0 << 2);
        // Byte offset from a pixel's base in xp of filter row r = (kh*KW + kw)*Cin + ci, stepped
        // row by row (divisions here end up inside V8's inner loop: measured 2x slower).
        let o: usize = 0, ci = 0, kx = 0;
        let r = 0;
        for (; r < m4; r += 4) {
          const o0 = o;
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
          const o1 = o;
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
          const o2 = o;
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
          const o3 = o;
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
          block4x8(px, pd, dw + (<usize>(r * cout + c0) << 2), o0, o1, o2, o3, rows, ow, xRow, xPix, dPix, accRow);
        }
        for (; r < m; r++) {
          const acc = dw + (<usize>(r * cout + c0) << 2);
          block1x4(px, pd, acc, o, rows, ow, xRow, xPix, dPix);
          block1x4(px, pd + 16, acc + 16, o, rows, ow, xRow, xPix, dPix);
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
        }
      }
      if (c8 < cout) {
        let o: usize = 0, ci = 0, kx = 0;
        for (let r = 0; r < m; r++) {
          const acc = dw + (<usize>(r * cout) << 2);
          if (c4 > c8) block1x4(px, pdRow + (<usize>c8 << 2), acc + (<usize>c8 << 2), o, rows, ow, xRow, xPix, dPix);
          for (let c = c4; c < cout; c++) block1x1(px, pdRow + (<usize>c << 2), acc + (<usize>c << 2), o, rows, ow, xRow, xPix, dPix);
          o += 4; if (++ci == cin) { ci = 0; if (++kx == kw) { kx = 0; o += kwWrap; } }
        }
      }
    }
  }
}
