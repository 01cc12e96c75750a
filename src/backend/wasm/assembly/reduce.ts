// Reductions over the middle axis of [r, m, c] float32 tensors (BatchNorm statistics, bias
// gradients, global average pooling). Pointers are byte offsets into tfjs's wasm memory.

/** Rows summed in registers before they are added into the output (bounds float32 error growth). */
const BLOCK: i32 = 64;

/**
 * out[i, k] = scale * sum_j x[i, j, k] for x [r, m, c] and out [r, c]. Channels go 8 at a time
 * down a block of rows in registers, so each block (BLOCK rows x c) is read from cache.
 */
export function sumMiddle(r: i32, m: i32, c: i32, x: usize, out: usize, scale: f32): void {
  const rowBytes = <usize>c << 2;
  const c8 = c & ~7;
  for (let i = 0; i < r; i++) {
    const src = x + <usize>i * <usize>m * rowBytes;
    const dst = out + <usize>i * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let j0 = 0; j0 < m; j0 += BLOCK) {
      const j1 = min<i32>(m, j0 + BLOCK);
      let k = 0;
      for (; k < c8; k += 8) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let p = src + <usize>j0 * rowBytes + (<usize>k << 2);
        for (let j = j0; j < j1; j++) {
          a0 = f32x4.add(a0, v128.load(p));
          a1 = f32x4.add(a1, v128.load(p, 16));
          p += rowBytes;
        }
        const d = dst + (<usize>k << 2);
        v128.store(d, f32x4.add(v128.load(d), a0));
        v128.store(d, f32x4.add(v128.load(d, 16), a1), 16);
      }
      for (; k < c; k++) {
        let a: f32 = 0;
        let p = src + <usize>j0 * rowBytes + (<usize>k << 2);
        for (let j = j0; j < j1; j++) {
          a += load<f32>(p);
          p += rowBytes;
        }
        const d = dst + (<usize>k << 2);
        store<f32>(d, load<f32>(d) + a);
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
