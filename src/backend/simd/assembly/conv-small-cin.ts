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

/**
 * y [n,oh,ow,cout] = conv of x [n,h,w,cin] with the packed filter wf (convSmallCinPack), stride
 * (sh, sw), dilation 1; output pixel (i, j) reads input rows i*sh - padTop + 0..kh-1 and columns
 * j*sw - padLeft + 0..kw-1 (out-of-range taps are the zero padding). Bias (packed) added, relu
 * when relu != 0.
 */
export function convSmallCin(x: usize, n: i32, h: i32, w: i32, cin: i32, wf: usize, kh: i32, kw: i32, cout: i32, relu: i32,
  y: usize, oh: i32, ow: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32): void {
  const nb = (cout + 7) >> 3;
  const rowTaps = kw * cin;
  const blkBytes = <usize>(kh * rowTaps) << 5;
  const biasP = wf + <usize>nb * blkBytes;
  const xPix = <usize>cin << 2;
  const xRow = <usize>w * xPix;
  const step = <usize>sw * xPix;
  const yPix = <usize>cout << 2;
  // Output columns whose taps are all inside x: the unchecked 4-pixel fast path.
  let jLo = padLeft > 0 ? (padLeft + sw - 1) / sw : 0;
  let jHi = w - kw + padLeft >= 0 ? (w - kw + padLeft) / sw + 1 : 0;
  if (jHi > ow) jHi = ow;
  if (jLo > jHi) jLo = jHi;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - padTop;
      const khLo = r0 < 0 ? -r0 : 0;
      const khHi = h - r0 < kh ? h - r0 : kh;
      // Base of input row r0 (may lie before x when r0 < 0: only rows khLo.. are read).
      const xr = x + <usize>(b * h + r0) * xRow;
      const yr = y + <usize>((b * oh + i) * ow) * yPix;
      for (let cb = 0; cb < nb; cb++) {
        const fb = wf + <usize>cb * blkBytes;
        const bias0 = v128.load(biasP + (<usize>cb << 5));
        const bias1 = v128.load(biasP + (<usize>cb << 5), 16);
        const k = cout - (cb << 3);
        const yc = yr + (<usize>cb << 5);
        let j = 0;
        // Left edge and everything the fast path does not cover go through the checked path.
        while (j < ow) {
          if (j >= jLo && j + 4 <= jHi) {
            let a0 = bias0, a1 = bias1, c0 = bias0, c1 = bias1, d0 = bias0, d1 = bias1, e0 = bias0, e1 = bias1;
            for (let r = khLo; r < khHi; r++) {
              let xp = xr + <usize>r * xRow + <usize>(j * sw - padLeft) * xPix;
              let fp = fb + (<usize>(r * rowTaps) << 5);
              for (let t = 0; t < rowTaps; t++) {
                const f0 = v128.load(fp), f1 = v128.load(fp, 16);
                let s = v128.load32_splat(xp);
                a0 = f32x4.add(a0, f32x4.mul(s, f0));
                a1 = f32x4.add(a1, f32x4.mul(s, f1));
                s = v128.load32_splat(xp + step);
                c0 = f32x4.add(c0, f32x4.mul(s, f0));
                c1 = f32x4.add(c1, f32x4.mul(s, f1));
                s = v128.load32_splat(xp + 2 * step);
                d0 = f32x4.add(d0, f32x4.mul(s, f0));
                d1 = f32x4.add(d1, f32x4.mul(s, f1));
                s = v128.load32_splat(xp + 3 * step);
                e0 = f32x4.add(e0, f32x4.mul(s, f0));
                e1 = f32x4.add(e1, f32x4.mul(s, f1));
                xp += 4;
                fp += 32;
              }
            }
            const yp = yc + <usize>j * yPix;
            finish(yp, a0, a1, relu, k);
            finish(yp + yPix, c0, c1, relu, k);
            finish(yp + 2 * yPix, d0, d1, relu, k);
            finish(yp + 3 * yPix, e0, e1, relu, k);
            j += 4;
          } else {
            const c = j * sw - padLeft;
            const kwLo = c < 0 ? -c : 0;
            const kwHi = w - c < kw ? w - c : kw;
            let a0 = bias0, a1 = bias1;
            for (let r = khLo; r < khHi; r++) {
              const xp = xr + <usize>r * xRow + <usize>c * xPix;
              const fp = fb + (<usize>(r * rowTaps) << 5);
              for (let t = kwLo * cin; t < kwHi * cin; t++) {
                const s = v128.load32_splat(xp + (<usize>t << 2));
                a0 = f32x4.add(a0, f32x4.mul(s, v128.load(fp + (<usize>t << 5))));
                a1 = f32x4.add(a1, f32x4.mul(s, v128.load(fp + (<usize>t << 5), 16)));
              }
            }
            finish(yc + <usize>j * yPix, a0, a1, relu, k);
            j++;
          }
        }
      }
    }
  }
}
