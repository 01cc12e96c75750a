// Stride-1 convolution input gradient as a transposed convolution that skips zero dy entries
// (dy behind max-pool un-pooling and relu masks is mostly zeros). For every dy pixel the
// non-zero channels are listed once (SIMD compare + bitmask), then each listed value scatters
// v * W[co, r, s, :] into a per-image padded dx scratch, accumulating in registers.
// Pointers are byte offsets into tfjs's memory; outputs never alias inputs. No allocation.

/** Number of non-zero floats among n at x. */
export function countNonZero(x: usize, n: i32): i32 {
  const z = f32x4.splat(0);
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = i32x4.sub(acc, f32x4.ne(v128.load(x + (<usize>i << 2)), z));
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) if (load<f32>(x + (<usize>i << 2)) != 0) c++;
  return c;
}

/**
 * Lists the non-zero channels of the dy pixel d ([co] floats): their values into vals and the
 * byte offsets co * wStride of their filters into offs. Returns how many.
 */
@inline
function listNonZero(d: usize, co: i32, wStride: i32, offs: usize, vals: usize): i32 {
  let cnt = 0;
  let c = 0;
  for (; c + 4 <= co; c += 4) {
    // Branch-free: every lane is written, the count advances only past non-zeros (a data-dependent
    // branch per channel would miss about once per non-zero at the densities this kernel sees).
    const g = v128.load(d + (<usize>c << 2));
    const o = c * wStride;
    const x0 = f32x4.extract_lane(g, 0), x1 = f32x4.extract_lane(g, 1), x2 = f32x4.extract_lane(g, 2), x3 = f32x4.extract_lane(g, 3);
    store<f32>(vals + (<usize>cnt << 2), x0);
    store<i32>(offs + (<usize>cnt << 2), o);
    cnt += <i32>(x0 != 0);
    store<f32>(vals + (<usize>cnt << 2), x1);
    store<i32>(offs + (<usize>cnt << 2), o + wStride);
    cnt += <i32>(x1 != 0);
    store<f32>(vals + (<usize>cnt << 2), x2);
    store<i32>(offs + (<usize>cnt << 2), o + 2 * wStride);
    cnt += <i32>(x2 != 0);
    store<f32>(vals + (<usize>cnt << 2), x3);
    store<i32>(offs + (<usize>cnt << 2), o + 3 * wStride);
    cnt += <i32>(x3 != 0);
  }
  for (; c < co; c++) {
    const v = load<f32>(d + (<usize>c << 2));
    if (v != 0) {
      store<i32>(offs + (<usize>cnt << 2), c * wStride);
      store<f32>(vals + (<usize>cnt << 2), v);
      cnt++;
    }
  }
  return cnt;
}

/**
 * dx [N,H,W,Ci] of a stride-1 conv from dy [N,OH,OW,Co] and the filter re-arranged as
 * wt [Co][KH*KW][ci4] (ci4 = Ci rounded up to 4, zero-padded). Scratch: offs, vals [Co] each,
 * dxp [OH+KH-1][OW+KW-1][ci4] (one image of the un-cropped transposed-conv output).
 * dx[y, x] = dxp[y + pt, x + pl].
 */
export function sparseInputGrad(dy: usize, wt: usize, dx: usize, offs: usize, vals: usize, dxp: usize,
  n: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, ci: i32, ci4: i32, h: i32, w: i32, pt: i32, pl: i32): void {
  const hp = oh + kh - 1, wp = ow + kw - 1;
  const pixBytes = <usize>ci4 << 2;
  const wStride = kh * kw * ci4 * 4;
  const dxpBytes = <usize>hp * <usize>wp * pixBytes;
  for (let b = 0; b < n; b++) {
    memory.fill(dxp, 0, dxpBytes);
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const d = dy + ((<usize>(b * oh + i) * <usize>ow + <usize>j) * <usize>co << 2);
        const cnt = listNonZero(d, co, wStride, offs, vals);
        if (cnt == 0) continue;
        for (let r = 0; r < kh; r++) {
          for (let s = 0; s < kw; s++) {
            const dst = dxp + (<usize>(i + r) * <usize>wp + <usize>(j + s)) * pixBytes;
            const wtap = wt + <usize>(r * kw + s) * pixBytes;
            let q = 0;
            for (; q + 32 <= ci4; q += 32) acc8(dst + (<usize>q << 2), wtap + (<usize>q << 2), offs, vals, cnt);
            for (; q + 16 <= ci4; q += 16) acc4(dst + (<usize>q << 2), wtap + (<usize>q << 2), offs, vals, cnt);
            for (; q < ci4; q += 4) acc1(dst + (<usize>q << 2), wtap + (<usize>q << 2), offs, vals, cnt);
          }
        }
      }
    }
    cropImage(dxp, dx + (<usize>b * <usize>h * <usize>w * <usize>ci << 2), h, w, ci, wp, ci4, pt, pl);
  }
}

/** dst[0..32) += sum_t vals[t] * (w + offs[t])[0..32). */
@inline
function acc8(dst: usize, w: usize, offs: usize, vals: usize, cnt: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let t = 0; t < cnt; t++) {
    const tb = <usize>t << 2;
    const v = f32x4.splat(load<f32>(vals + tb));
    const p = w + <usize>load<i32>(offs + tb);
    a0 = f32x4.add(a0, f32x4.mul(v, v128.load(p, 0)));
    a1 = f32x4.add(a1, f32x4.mul(v, v128.load(p, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v, v128.load(p, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v, v128.load(p, 48)));
    a4 = f32x4.add(a4, f32x4.mul(v, v128.load(p, 64)));
    a5 = f32x4.add(a5, f32x4.mul(v, v128.load(p, 80)));
    a6 = f32x4.add(a6, f32x4.mul(v, v128.load(p, 96)));
    a7 = f32x4.add(a7, f32x4.mul(v, v128.load(p, 112)));
  }
  v128.store(dst, f32x4.add(v128.load(dst, 0), a0), 0);
  v128.store(dst, f32x4.add(v128.load(dst, 16), a1), 16);
  v128.store(dst, f32x4.add(v128.load(dst, 32), a2), 32);
  v128.store(dst, f32x4.add(v128.load(dst, 48), a3), 48);
  v128.store(dst, f32x4.add(v128.load(dst, 64), a4), 64);
  v128.store(dst, f32x4.add(v128.load(dst, 80), a5), 80);
  v128.store(dst, f32x4.add(v128.load(dst, 96), a6), 96);
  v128.store(dst, f32x4.add(v128.load(dst, 112), a7), 112);
}

/** dst[0..16) += sum_t vals[t] * (w + offs[t])[0..16). */
@inline
function acc4(dst: usize, w: usize, offs: usize, vals: usize, cnt: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let t = 0; t < cnt; t++) {
    const tb = <usize>t << 2;
    const v = f32x4.splat(load<f32>(vals + tb));
    const p = w + <usize>load<i32>(offs + tb);
    a0 = f32x4.add(a0, f32x4.mul(v, v128.load(p, 0)));
    a1 = f32x4.add(a1, f32x4.mul(v, v128.load(p, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v, v128.load(p, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v, v128.load(p, 48)));
  }
  v128.store(dst, f32x4.add(v128.load(dst, 0), a0), 0);
  v128.store(dst, f32x4.add(v128.load(dst, 16), a1), 16);
  v128.store(dst, f32x4.add(v128.load(dst, 32), a2), 32);
  v128.store(dst, f32x4.add(v128.load(dst, 48), a3), 48);
}

/** dst[0..4) += sum_t vals[t] * (w + offs[t])[0..4). */
@inline
function acc1(dst: usize, w: usize, offs: usize, vals: usize, cnt: i32): void {
  let a0 = f32x4.splat(0);
  for (let t = 0; t < cnt; t++) {
    const tb = <usize>t << 2;
    a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(vals + tb)), v128.load(w + <usize>load<i32>(offs + tb))));
  }
  v128.store(dst, f32x4.add(v128.load(dst), a0));
}

/** dx [h][w][ci] = dxp [y + pt][x + pl][0..ci) with dxp rows of wp pixels of ci4 floats. */
@inline
function cropImage(dxp: usize, dx: usize, h: i32, w: i32, ci: i32, wp: i32, ci4: i32, pt: i32, pl: i32): void {
  const rowBytes = <usize>ci << 2;
  for (let y = 0; y < h; y++) {
    let src = dxp + (<usize>(y + pt) * <usize>wp + <usize>pl) * (<usize>ci4 << 2);
    let dst = dx + <usize>y * <usize>w * rowBytes;
    if (ci == ci4) {
      memory.copy(dst, src, <usize>w * rowBytes);
      continue;
    }
    for (let x = 0; x < w; x++, src += <usize>ci4 << 2, dst += rowBytes) memory.copy(dst, src, rowBytes);
  }
}

/**
 * Single-channel dx [N,H,W,1] (a first conv layer's image gradient): vectorised over the taps of
 * a filter row instead of channels. wt [Co][KH][kw4] (kw4 = KW rounded up to 4, zero-padded);
 * scratch offs, vals [Co], dxp [OH+KH-1][OW+kw4-1] (4-wide stores past column OW+KW-2 add zeros).
 */
export function sparseInputGrad1(dy: usize, wt: usize, dx: usize, offs: usize, vals: usize, dxp: usize,
  n: i32, oh: i32, ow: i32, co: i32, kh: i32, kw4: i32, h: i32, w: i32, pt: i32, pl: i32): void {
  const hp = oh + kh - 1, wp = ow + kw4 - 1;
  const rowBytes = <usize>kw4 << 2;
  const wStride = kh * kw4 * 4;
  const wpBytes = <usize>wp << 2;
  for (let b = 0; b < n; b++) {
    memory.fill(dxp, 0, <usize>hp * wpBytes);
    for (let i = 0; i < oh; i++) {
      // Columns j, j + kw4, j + 2*kw4, ... then j + 1, ...: consecutive pixels touch disjoint
      // kw4-wide dxp segments (no partially overlapping store -> load; measured no faster, though).
      for (let jj = 0; jj < kw4; jj++) for (let j = jj; j < ow; j += kw4) {
        const d = dy + ((<usize>(b * oh + i) * <usize>ow + <usize>j) * <usize>co << 2);
        const cnt = listNonZero(d, co, wStride, offs, vals);
        if (cnt == 0) continue;
        let r = 0;
        if (kw4 == 4) {
          // Three filter rows at once: three accumulators share each value's splat.
          for (; r + 3 <= kh; r += 3) {
            const wr = wt + <usize>r * rowBytes;
            let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
            for (let t = 0; t < cnt; t++) {
              const tb = <usize>t << 2;
              const v = f32x4.splat(load<f32>(vals + tb));
              const p = wr + <usize>load<i32>(offs + tb);
              a0 = f32x4.add(a0, f32x4.mul(v, v128.load(p, 0)));
              a1 = f32x4.add(a1, f32x4.mul(v, v128.load(p, 16)));
              a2 = f32x4.add(a2, f32x4.mul(v, v128.load(p, 32)));
            }
            const o = dxp + <usize>(i + r) * wpBytes + (<usize>j << 2);
            v128.store(o, f32x4.add(v128.load(o), a0));
            v128.store(o + wpBytes, f32x4.add(v128.load(o + wpBytes), a1));
            v128.store(o + 2 * wpBytes, f32x4.add(v128.load(o + 2 * wpBytes), a2));
          }
        }
        for (; r < kh; r++) {
          for (let q = 0; q < kw4; q += 4) {
            const o = dxp + <usize>(i + r) * wpBytes + (<usize>(j + q) << 2);
            acc1(o, wt + <usize>r * rowBytes + (<usize>q << 2), offs, vals, cnt);
          }
        }
      }
    }
    cropImage(dxp, dx + (<usize>b * <usize>h * <usize>w << 2), h, w, 1, wp, 1, pt, pl);
  }
}
