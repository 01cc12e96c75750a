// Batched 2-D transpose of 4-byte elements (float32/int32): out[c, m, a] = x[a, m, c] for
// x [na, nm, nc]. Rows of x (stride nm*nc) and of out (stride nm*na) are often large powers of
// two apart (256 KB and 512 KB for [128,32,32,64]), so the rows a tile touches all fall in the
// same cache set and evict each other. We therefore copy a tile of TA rows x TC columns of x
// into a contiguous scratch first (streaming row reads), then transpose it from there in 4x4
// register blocks (four loads, eight shuffles, four stores) into out.
// Pointers are byte offsets into tfjs's wasm memory; out must not overlap x or scratch.

/** Tile rows (a) and columns (c); the scratch must hold TA * TC 4-byte elements. */
const TA: i32 = 32;
const TC: i32 = 64;

/** Elements of scratch `transpose210` needs. */
export function transposeScratch(): i32 {
  return TA * TC;
}

@inline function tile(ta: i32, tc: i32, s: usize, o: usize, outRow: usize): void {
  const sRow = <usize>tc << 2;
  const ta4 = ta & ~3;
  const tc4 = tc & ~3;
  for (let c = 0; c < tc4; c += 4) {
    const q = o + <usize>c * outRow;
    for (let a = 0; a < ta4; a += 4) {
      const p = s + <usize>a * sRow + (<usize>c << 2);
      const r0 = v128.load(p);
      const r1 = v128.load(p + sRow);
      const r2 = v128.load(p + 2 * sRow);
      const r3 = v128.load(p + 3 * sRow);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const d = q + (<usize>a << 2);
      v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
      v128.store(d + outRow, v128.shuffle<i64>(t0, t2, 1, 3));
      v128.store(d + 2 * outRow, v128.shuffle<i64>(t1, t3, 0, 2));
      v128.store(d + 3 * outRow, v128.shuffle<i64>(t1, t3, 1, 3));
    }
    for (let a = ta4; a < ta; a++) {
      for (let j = 0; j < 4; j++) {
        store<i32>(q + <usize>j * outRow + (<usize>a << 2), load<i32>(s + <usize>a * sRow + (<usize>(c + j) << 2)));
      }
    }
  }
  for (let c = tc4; c < tc; c++) {
    for (let a = 0; a < ta; a++) {
      store<i32>(o + <usize>c * outRow + (<usize>a << 2), load<i32>(s + <usize>a * sRow + (<usize>c << 2)));
    }
  }
}

/** out[c, m, a] = x[a, m, c] for x [na, nm, nc]; scratch holds transposeScratch() elements. */
export function transpose210(na: i32, nm: i32, nc: i32, x: usize, out: usize, scratch: usize): void {
  const inRow = <usize>nm * <usize>nc << 2;
  const outRow = <usize>nm * <usize>na << 2;
  for (let m = 0; m < nm; m++) {
    for (let a0 = 0; a0 < na; a0 += TA) {
      const ta = min<i32>(TA, na - a0);
      for (let c0 = 0; c0 < nc; c0 += TC) {
        const tc = min<i32>(TC, nc - c0);
        const src = x + <usize>a0 * inRow + ((<usize>m * <usize>nc + <usize>c0) << 2);
        for (let i = 0; i < ta; i++) memory.copy(scratch + (<usize>(i * tc) << 2), src + <usize>i * inRow, <usize>tc << 2);
        tile(ta, tc, scratch, out + <usize>c0 * outRow + ((<usize>m * <usize>na + <usize>a0) << 2), outRow);
      }
    }
  }
}
