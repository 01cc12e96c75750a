// Max-pooling kernels on NHWC float32 storage (pointers are byte offsets into tfjs's memory).
// Channels are the innermost axis, so every window position is a run of C contiguous floats: the
// kernels vectorise over channels (4 lanes) with a scalar tail for C % 4.
// Ties go to the FIRST maximum in row-major window order and a NaN wins over numbers, exactly as
// the JS kernels they replace (src/backend/wasm/pooling.ts) and the cpu backend.

/** Lanes of `v` that replace the running best `b`: v > b, or v is NaN while b is not. */
// @ts-ignore: decorator
@inline function takes(v: v128, b: v128): v128 {
  return v128.or(f32x4.gt(v, b), v128.and(f32x4.ne(v, v), f32x4.eq(b, b)));
}

// @ts-ignore: decorator
@inline function takes1(v: f32, b: f32): bool {
  return v > b || (v != v && b == b);
}

/**
 * y = max over each 2x2 window, stride 2, no padding: x [n,h,w,c] -> y [n,oh,ow,c] with
 * 2*oh <= h, 2*ow <= w (a trailing odd row/column is never read).
 */
export function maxPool2x2(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>(w * c) << 2;
  const pixBytes = <usize>c << 2;
  let o = y;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      let p0 = x + ((<usize>((b * h + 2 * i) * w) * <usize>c) << 2);
      for (let j = 0; j < ow; j++) {
        const p1 = p0 + pixBytes, p2 = p0 + rowBytes, p3 = p2 + pixBytes;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const q = <usize>ch << 2;
          let best = v128.load(p0 + q);
          let v = v128.load(p1 + q);
          best = v128.bitselect(v, best, takes(v, best));
          v = v128.load(p2 + q);
          best = v128.bitselect(v, best, takes(v, best));
          v = v128.load(p3 + q);
          best = v128.bitselect(v, best, takes(v, best));
          v128.store(o + q, best);
        }
        for (; ch < c; ch++) {
          const q = <usize>ch << 2;
          let best = load<f32>(p0 + q);
          let v = load<f32>(p1 + q);
          if (takes1(v, best)) best = v;
          v = load<f32>(p2 + q);
          if (takes1(v, best)) best = v;
          v = load<f32>(p3 + q);
          if (takes1(v, best)) best = v;
          store<f32>(o + q, best);
        }
        o += pixBytes;
        p0 += pixBytes << 1;
      }
    }
  }
}

/**
 * MaxPoolGrad for 2x2 stride-2 unpadded windows: every window position of dx [n,h,w,c] is
 * written (dy where it holds the window's first maximum, else 0). If `dy` is 0 the output is
 * the 0/1 mask of the maxima instead (dy treated as all ones). Positions no window covers (a
 * trailing odd row/column) are NOT written: the caller zero-fills dx for odd sizes.
 */
export function maxPoolGrad2x2(x: usize, dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>(w * c) << 2;
  const pixBytes = <usize>c << 2;
  const zero = f32x4.splat(0);
  const ones = f32x4.splat(1);
  let o = dy;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const off0 = (<usize>((b * h + 2 * i) * w) * <usize>c) << 2;
      let p0 = x + off0, d0 = dx + off0;
      for (let j = 0; j < ow; j++) {
        const p1 = p0 + pixBytes, p2 = p0 + rowBytes, p3 = p2 + pixBytes;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const q = <usize>ch << 2;
          // sel_k: lanes whose running best came from position k (one-hot across k).
          let best = v128.load(p0 + q);
          let v = v128.load(p1 + q);
          let t1 = takes(v, best);
          best = v128.bitselect(v, best, t1);
          v = v128.load(p2 + q);
          let t2 = takes(v, best);
          best = v128.bitselect(v, best, t2);
          v = v128.load(p3 + q);
          const t3 = takes(v, best);
          t2 = v128.andnot(t2, t3);
          t1 = v128.andnot(v128.andnot(t1, t2), t3);
          const t0 = v128.not(v128.or(v128.or(t1, t2), t3));
          const g = dy != 0 ? v128.load(o + q) : ones;
          v128.store(d0 + q, v128.bitselect(g, zero, t0));
          v128.store(d0 + pixBytes + q, v128.bitselect(g, zero, t1));
          v128.store(d0 + rowBytes + q, v128.bitselect(g, zero, t2));
          v128.store(d0 + rowBytes + pixBytes + q, v128.bitselect(g, zero, t3));
        }
        for (; ch < c; ch++) {
          const q = <usize>ch << 2;
          let best = load<f32>(p0 + q);
          let at: usize = 0;
          let v = load<f32>(p1 + q);
          if (takes1(v, best)) { best = v; at = pixBytes; }
          v = load<f32>(p2 + q);
          if (takes1(v, best)) { best = v; at = rowBytes; }
          v = load<f32>(p3 + q);
          if (takes1(v, best)) { at = rowBytes + pixBytes; }
          store<f32>(d0 + q, 0);
          store<f32>(d0 + pixBytes + q, 0);
          store<f32>(d0 + rowBytes + q, 0);
          store<f32>(d0 + rowBytes + pixBytes + q, 0);
          store<f32>(d0 + at + q, dy != 0 ? load<f32>(o + q) : 1);
        }
        o += pixBytes;
        p0 += pixBytes << 1;
        d0 += pixBytes << 1;
      }
    }
  }
}

/**
 * MaxPoolGrad for any window/stride/padding (dilation 1): dx [n,h,w,c] += dy routed to each
 * window's first maximum. dx must be zero-filled; overlapping windows accumulate.
 * (pt, pl) are the top/left paddings; windows are clipped to the image.
 */
export function maxPoolGradGeneral(
  x: usize, dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
): void {
  let o = dy;
  const pixBytes = <usize>c << 2;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const h0 = i * sh - pt;
      const y0 = max(h0, 0), y1 = min(h0 + fh, h);
      for (let j = 0; j < ow; j++, o += pixBytes) {
        const w0 = j * sw - pl;
        const x0 = max(w0, 0), x1 = min(w0 + fw, w);
        if (y0 >= y1 || x0 >= x1) continue;
        const first = <i32>(((b * h + y0) * w + x0) * c);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          // Running best and its flat element index per lane, starting at the window's first pixel.
          let best = v128.load(x + (<usize>(first + ch) << 2));
          let arg = i32x4.add(i32x4.splat(first + ch), i32x4(0, 1, 2, 3));
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const e = ((b * h + yy) * w + xx) * c + ch;
              const v = v128.load(x + (<usize>e << 2));
              const t = takes(v, best);
              best = v128.bitselect(v, best, t);
              arg = v128.bitselect(i32x4.add(i32x4.splat(e), i32x4(0, 1, 2, 3)), arg, t);
            }
          }
          const q = o + (<usize>ch << 2);
          let a = dx + (<usize>i32x4.extract_lane(arg, 0) << 2);
          store<f32>(a, load<f32>(a) + load<f32>(q));
          a = dx + (<usize>i32x4.extract_lane(arg, 1) << 2);
          store<f32>(a, load<f32>(a) + load<f32>(q, 4));
          a = dx + (<usize>i32x4.extract_lane(arg, 2) << 2);
          store<f32>(a, load<f32>(a) + load<f32>(q, 8));
          a = dx + (<usize>i32x4.extract_lane(arg, 3) << 2);
          store<f32>(a, load<f32>(a) + load<f32>(q, 12));
        }
        for (; ch < c; ch++) {
          let best = load<f32>(x + (<usize>(first + ch) << 2));
          let arg = first + ch;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const e = ((b * h + yy) * w + xx) * c + ch;
              const v = load<f32>(x + (<usize>e << 2));
              if (takes1(v, best)) { best = v; arg = e; }
            }
          }
          const a = dx + (<usize>arg << 2);
          store<f32>(a, load<f32>(a) + load<f32>(o + (<usize>ch << 2)));
        }
      }
    }
  }
}

/**
 * Stacked un-pooling through a precomputed 2x2 stride-2 max mask (exact GC: the same mask serves
 * every cotangent): dx[k,b,y,x,:] = mask[b,y,x,:] * dy[k,b,y>>1,x>>1,:] for y < 2*oh, x < 2*ow,
 * else 0. dy [kk*n,oh,ow,c], mask [n,h,w,c], dx [kk*n,h,w,c].
 */
export function unpoolMasked2x2(dy: usize, mask: usize, dx: usize, kk: i32, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>(w * c) << 2;
  const pixBytes = <usize>c << 2;
  let o = dy, d = dx;
  for (let k = 0; k < kk; k++) {
    let m = mask;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const yi = y >> 1;
        if (yi >= oh) {
          memory.fill(d, 0, rowBytes);
        } else {
          const src = o + ((<usize>(yi * ow * c)) << 2);
          for (let xx = 0; xx < w; xx++) {
            const xi = xx >> 1;
            const pd = d + <usize>xx * pixBytes, pm = m + <usize>xx * pixBytes;
            if (xi >= ow) {
              memory.fill(pd, 0, pixBytes);
              continue;
            }
            const ps = src + <usize>xi * pixBytes;
            let ch = 0;
            for (; ch + 4 <= c; ch += 4) {
              const q = <usize>ch << 2;
              v128.store(pd + q, f32x4.mul(v128.load(ps + q), v128.load(pm + q)));
            }
            for (; ch < c; ch++) {
              const q = <usize>ch << 2;
              store<f32>(pd + q, load<f32>(ps + q) * load<f32>(pm + q));
            }
          }
        }
        d += rowBytes;
        m += rowBytes;
      }
      o += (<usize>(oh * ow * c)) << 2;
    }
  }
}
