// Residual join kernels: y = relu(a + b) of two same-shape float32 tensors (the end of a residual
// block), optionally followed by the mean over the middle axis of [r, m, c] (global average
// pooling of NHWC), and that pooled form's backward. Each is one pass over the full-size inputs.
// Pointers are byte offsets into tfjs's wasm memory. No allocation, no globals.

/** Rows summed in registers before they are added into the output (bounds float32 error growth). */
const BLOCK: i32 = 64;

/** relu(a + b) as the cpu backend's relu: s < 0 ? 0 : s (NaN and -0 pass through). */
@inline function addReluV(a: v128, b: v128): v128 {
  const s = f32x4.add(a, b);
  return v128.andnot(s, f32x4.lt(s, f32x4.splat(0)));
}

/** out[i] = relu(a[i] + b[i]), i < n. */
export function addRelu(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const r0 = addReluV(v128.load(a + o), v128.load(b + o));
    const r1 = addReluV(v128.load(a + o, 16), v128.load(b + o, 16));
    v128.store(out + o, r0);
    v128.store(out + o, r1, 16);
  }
  // Tail through the vector code, one lane at a time, so edge semantics match exactly.
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(addReluV(f32x4.splat(load<f32>(a + o)), f32x4.splat(load<f32>(b + o))), 0));
  }
}

/** g * step(a + b), step: NaN -> NaN, > 0 -> 1, else 0 (tfjs's relu gradient, mask from y = relu(a + b)). */
@inline function maskedV(g: v128, a: v128, b: v128): v128 {
  const s = f32x4.add(a, b);
  const st = v128.bitselect(f32x4.splat(1), f32x4.splat(0), f32x4.gt(s, f32x4.splat(0)));
  return f32x4.mul(g, v128.bitselect(s, st, f32x4.ne(s, s)));
}

/**
 * Backward of addReluMean: out[i, j, k] = g[i, k] * step(a[i, j, k] + b[i, j, k]) for g [r, c]
 * (the pooled gradient, already divided by m), a, b, out [r, m, c]. No broadcast copy of g.
 */
export function addReluMeanGrad(r: i32, m: i32, c: i32, g: usize, a: usize, b: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  const c4 = c & ~3;
  for (let i = 0; i < r; i++) {
    const gi = g + <usize>i * rowBytes;
    for (let j = 0; j < m; j++) {
      const base = (<usize>i * <usize>m + <usize>j) * rowBytes;
      let k = 0;
      for (; k < c4; k += 4) {
        const o = base + (<usize>k << 2);
        v128.store(out + o, maskedV(v128.load(gi + (<usize>k << 2)), v128.load(a + o), v128.load(b + o)));
      }
      for (; k < c; k++) {
        const o = base + (<usize>k << 2);
        const v = maskedV(f32x4.splat(load<f32>(gi + (<usize>k << 2))), f32x4.splat(load<f32>(a + o)), f32x4.splat(load<f32>(b + o)));
        store<f32>(out + o, f32x4.extract_lane(v, 0));
      }
    }
  }
}

/**
 * out[i, k] = scale * sum_j relu(a[i, j, k] + b[i, j, k]) for a, b [r, m, c], out [r, c]: the
 * global average pool of relu(a + b) without writing it. a and b are read sequentially (twice as
 * fast at [128, 1024, 64] as walking 8 channels down a block of rows, as reduce.ts does): each
 * block of BLOCK rows is summed into tmp [c] (scratch, L1-resident), then added into out.
 */
export function addReluMean(r: i32, m: i32, c: i32, a: usize, b: usize, out: usize, scale: f32, tmp: usize): void {
  const rowBytes = <usize>c << 2;
  const c8 = c & ~7;
  for (let i = 0; i < r; i++) {
    const dst = out + <usize>i * rowBytes;
    memory.fill(dst, 0, rowBytes);
    let off = <usize>i * <usize>m * rowBytes;
    for (let j0 = 0; j0 < m; j0 += BLOCK) {
      const j1 = min<i32>(m, j0 + BLOCK);
      memory.fill(tmp, 0, rowBytes);
      for (let j = j0; j < j1; j++) {
        let k = 0;
        for (; k < c8; k += 8) {
          const o = off + (<usize>k << 2);
          const t = tmp + (<usize>k << 2);
          const r0 = addReluV(v128.load(a + o), v128.load(b + o));
          const r1 = addReluV(v128.load(a + o, 16), v128.load(b + o, 16));
          v128.store(t, f32x4.add(v128.load(t), r0));
          v128.store(t, f32x4.add(v128.load(t, 16), r1), 16);
        }
        for (; k < c; k++) {
          const o = off + (<usize>k << 2);
          const t = tmp + (<usize>k << 2);
          store<f32>(t, load<f32>(t) + f32x4.extract_lane(addReluV(f32x4.splat(load<f32>(a + o)), f32x4.splat(load<f32>(b + o))), 0));
        }
        off += rowBytes;
      }
      for (let k = 0; k < c; k++) {
        const d = dst + (<usize>k << 2);
        store<f32>(d, load<f32>(d) + load<f32>(tmp + (<usize>k << 2)));
      }
    }
    if (scale != 1) {
      for (let k = 0; k < c; k++) {
        const d = dst + (<usize>k << 2);
        store<f32>(d, load<f32>(d) * scale);
      }
    }
  }
}
