// Direct convolution for few input channels (first layers on images: Cin 1-4), NHWC float32.
// XNNPACK's direct conv runs such convs at 16-38 GFLOP/s: with Cin this small its packing and
// per-tap overheads dominate. Here each output pixel block is 4 pixels x 8 output channels (8
// v128 accumulators); every input value is broadcast (load32_splat) and multiplied with a
// vector of 8 packed filter weights. Along one kernel row the taps (kw, ci) are contiguous in x
// (kw * Cin + ci), so the inner loop walks x and the packed filter with one counter.
// Pointers are byte offsets into tfjs's memory; nothing is allocated here.

/** Floats of the packed filter and bias buffer convSmallCinPack writes. */
export function convSmallCinPackedFloats(kh: i32, kw: i32, cin: i32, cout: i32): i32 {
  const nb = (cout + 7) >> 3;
  return nb * 8 * (kh * kw * cin + 1);
}

/**
 * Packs filter f [kh,kw,cin,cout] into [nb][kh][kw][cin][8] (nb = ceil(cout/8), zero-padded
 * channels) followed by the bias [nb*8] (zeros when bias is 0): vector loads never read past
 * the caller's buffers.
 */
export function convSmallCinPack(f: usize, kh: i32, kw: i32, cin: i32, cout: i32, bias: usize, out: usize): void {
  const nb = (cout + 7) >> 3;
  const taps = kh * kw * cin;
  memory.fill(out, 0, <usize>(nb * 8 * (taps + 1)) << 2);
  for (let t = 0; t < taps; t++) {
    const src = f + (<usize>(t * cout) << 2);
    for (let co = 0; co < cout; co++) {
      const dst = out + (<usize>(((co >> 3) * taps + t) * 8 + (co & 7)) << 2);
      store<f32>(dst, load<f32>(src + (<usize>co << 2)));
    }
  }
  if (bias != 0) memory.copy(out + (<usize>(nb * 8 * taps) << 2), bias, <usize>cout << 2);
}

/** Stores the first k (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storeN(p: usize, v: v128, k: i32): void {
  if (k >= 4) {
    v128.store(p, v);
  } else if (k > 0) {
    store<f32>(p, f32x4.extract_lane(v, 0));
    if (k > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
    if (k > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  }
}

// @ts-ignore: decorator
@inline function finish(p: usize, a: v128, b: v128, relu: i32, k: i32): void {
  if (relu) {
    const z = f32x4.splat(0);
    a = f32x4.max(a, z);
    b = f32x4.max(b, z);
  }
  if (k >= 8) {
    v128.store(p, a);
    v128.store(p, b, 16);
  } else {
    storeN(p, a, k);
    storeN(p + 16, b, k - 4);
  }
}

/** Floats of the row scratch convSmallCin needs: kh zero-padded input rows covering ceil(ow/4)*4 outputs. */
export function convSmallCinRowFloats(kh: i32, kw: i32, cin: i32, ow: i32, sw: i32): i32 {
  return kh * (((ow + 3) & ~3) - 1) * sw * cin + kh * kw * cin;
}

/**
 * y [n,oh,ow,cout] = conv of x [n,h,w,cin] with the packed filter wf (convSmallCinPack), stride
 * (sh, sw), dilation 1; output pixel (i, j) reads input rows i*sh - padTop + 0..kh-1 and columns
 * j*sw - padLeft + 0..kw-1 (out-of-range taps are the zero padding). Bias (packed) added, relu
 * when relu != 0. rows: convSmallCinRowFloats floats of scratch. Per output row the kh input rows
 * are copied zero-padded into rows (a few hundred floats against ow*cout outputs), so every
 * pixel block runs without bounds checks, the ragged last block included.
 */
export function convSmallCin(x: usize, n: i32, h: i32, w: i32, cin: i32, wf: usize, kh: i32, kw: i32, cout: i32, relu: i32,
  y: usize, oh: i32, ow: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, rows: usize): void {
  const nb = (cout + 7) >> 3;
  const rowTaps = kw * cin;
  const blkBytes = <usize>(kh * rowTaps) << 5;
  const biasP = wf + <usize>nb * blkBytes;
  const xPix = <usize>cin << 2;
  const xRow = <usize>w * xPix;
  const step = <usize>sw * xPix;
  const yPix = <usize>cout << 2;
  // Padded row: input columns -padLeft .. -padLeft + wp - 1.
  const wp = (((ow + 3) & ~3) - 1) * sw + kw;
  const pRow = <usize>wp * xPix;
  // Columns of x inside the padded row: [c0, c1) land at padLeft + c.
  const c0 = padLeft < 0 ? -padLeft : 0;
  const c1 = w < wp - padLeft ? w : wp - padLeft;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - padTop;
      memory.fill(rows, 0, <usize>kh * pRow);
      for (let r = 0; r < kh; r++) {
        const xr = r0 + r;
        if (xr < 0 || xr >= h || c1 <= c0) continue;
        memory.copy(rows + <usize>r * pRow + <usize>(padLeft + c0) * xPix, x + <usize>(b * h + xr) * xRow + <usize>c0 * xPix, <usize>(c1 - c0) * xPix);
      }
      const yr = y + <usize>((b * oh + i) * ow) * yPix;
      for (let cb = 0; cb < nb; cb++) {
        const fb = wf + <usize>cb * blkBytes;
        const bias0 = v128.load(biasP + (<usize>cb << 5));
        const bias1 = v128.load(biasP + (<usize>cb << 5), 16);
        const k = cout - (cb << 3);
        const yc = yr + (<usize>cb << 5);
        for (let j = 0; j < ow; j += 4) {
          let a0 = bias0, a1 = bias1, d0 = bias0, d1 = bias1, e0 = bias0, e1 = bias1, g0 = bias0, g1 = bias1;
          let fp = fb;
          for (let r = 0; r < kh; r++) {
            let xp = rows + <usize>r * pRow + <usize>j * step;
            for (let t = 0; t < rowTaps; t++) {
              const f0 = v128.load(fp), f1 = v128.load(fp, 16);
              let s = v128.load32_splat(xp);
              a0 = f32x4.add(a0, f32x4.mul(s, f0));
              a1 = f32x4.add(a1, f32x4.mul(s, f1));
              s = v128.load32_splat(xp + step);
              d0 = f32x4.add(d0, f32x4.mul(s, f0));
              d1 = f32x4.add(d1, f32x4.mul(s, f1));
              s = v128.load32_splat(xp + 2 * step);
              e0 = f32x4.add(e0, f32x4.mul(s, f0));
              e1 = f32x4.add(e1, f32x4.mul(s, f1));
              s = v128.load32_splat(xp + 3 * step);
              g0 = f32x4.add(g0, f32x4.mul(s, f0));
              g1 = f32x4.add(g1, f32x4.mul(s, f1));
              xp += 4;
              fp += 32;
            }
          }
          const yp = yc + <usize>j * yPix;
          const left = ow - j;
          finish(yp, a0, a1, relu, k);
          if (left > 1) finish(yp + yPix, d0, d1, relu, k);
          if (left > 2) finish(yp + 2 * yPix, e0, e1, relu, k);
          if (left > 3) finish(yp + 3 * yPix, g0, g1, relu, k);
        }
      }
    }
  }
}
