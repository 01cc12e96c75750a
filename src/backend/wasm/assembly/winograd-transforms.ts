// Per-tile transforms of Winograd F(4x4, 3x3) shared by the convolution (winograd.ts) and the
// filter gradient (filter-grad-winograd.ts). Inlined at their call sites; not wasm exports.
// Each 2-D transform runs its first pass into tmp (a few hundred contiguous bytes, in L1) and
// its second from tmp into the ξ planes, so each plane slot is written once.

/**
 * 1-D B^T transform of d0..d5, stored at p, p+s, ..., p+5s (s in bytes).
 * B^T rows: [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1].
 */
// @ts-ignore: decorator
@inline function bt(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, p: usize, s: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = f32x4.sub(d4, f32x4.mul(four, d2)); // d4 - 4 d2
  const b = f32x4.sub(d3, f32x4.mul(four, d1)); // d3 - 4 d1
  const c = f32x4.sub(d4, d2);
  const e = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(p, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(p + s, f32x4.add(a, b));
  v128.store(p + <usize>2 * s, f32x4.sub(a, b));
  v128.store(p + <usize>3 * s, f32x4.add(c, e));
  v128.store(p + <usize>4 * s, f32x4.sub(c, e));
  v128.store(p + <usize>5 * s, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * V of one tile whose 6x6 input pixels all lie inside the image (src: its top-left pixel; rowB,
 * pixB byte strides), cin a multiple of 4: V = B^T d B into planes ξ = a*6 + b (stride sX) at vt,
 * without bounds checks. tmp: 576 bytes.
 */
// @ts-ignore: decorator
@inline export function interiorTile(src: usize, rowB: usize, pixB: usize, cin: i32, vt: usize, sX: usize, tmp: usize): void {
  const s6 = <usize>6 * sX;
  const end = src + (<usize>cin << 2);
  for (let p = src, vc = vt; p < end; p += 16, vc += 16) {
    // Pass 1 (B^T along x) into tmp [6 rows][6] (contiguous, L1), pass 2 from tmp into V.
    let row = p;
    for (let r = 0; r < 6; r++) {
      bt(v128.load(row), v128.load(row + pixB), v128.load(row + <usize>2 * pixB), v128.load(row + <usize>3 * pixB),
        v128.load(row + <usize>4 * pixB), v128.load(row + <usize>5 * pixB), tmp + <usize>(r * 96), 16);
      row += rowB;
    }
    for (let j = 0; j < 6; j++) {
      const q = tmp + <usize>(j * 16);
      bt(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), v128.load(q, 384), v128.load(q, 480), vc + <usize>j * sX, s6);
    }
  }
}

/**
 * M of one dy tile for the filter gradient: M = A y A^T (6x6 from the 4x4 tile at src, row
 * stride rowB, pixel stride pixB), cout a multiple of 4, into planes ξ = a*6 + b (stride sX) at mt.
 * A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]. tmp: 384 bytes.
 */
// @ts-ignore: decorator
@inline export function gradTile(src: usize, rowB: usize, pixB: usize, cout: i32, mt: usize, sX: usize, tmp: usize): void {
  const s6 = <usize>6 * sX;
  const end = src + (<usize>cout << 2);
  for (let p = src, mc = mt; p < end; p += 16, mc += 16) {
    // Pass 1: A along x on each of the 4 rows into tmp [4 rows][6].
    let row = p;
    for (let r = 0; r < 4; r++) {
      a6(v128.load(row), v128.load(row + pixB), v128.load(row + <usize>2 * pixB), v128.load(row + <usize>3 * pixB), tmp + <usize>(r * 96), 16);
      row += rowB;
    }
    // Pass 2: A along y on each of the 6 columns into the planes.
    for (let j = 0; j < 6; j++) {
      const q = tmp + <usize>(j * 16);
      a6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), mc + <usize>j * sX, s6);
    }
  }
}

/** 1-D A transform of y0..y3 into 6 values at p, p+s, ..., p+5s: [y0, y0+y1+y2+y3, y0-y1+y2-y3, y0+2y1+4y2+8y3, y0-2y1+4y2-8y3, y3]. */
// @ts-ignore: decorator
@inline function a6(y0: v128, y1: v128, y2: v128, y3: v128, p: usize, s: usize): void {
  const p02 = f32x4.add(y0, y2), p13 = f32x4.add(y1, y3);
  const q02 = f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2));
  const q13 = f32x4.add(f32x4.mul(f32x4.splat(2), y1), f32x4.mul(f32x4.splat(8), y3));
  v128.store(p, y0);
  v128.store(p + s, f32x4.add(p02, p13));
  v128.store(p + <usize>2 * s, f32x4.sub(p02, p13));
  v128.store(p + <usize>3 * s, f32x4.add(q02, q13));
  v128.store(p + <usize>4 * s, f32x4.sub(q02, q13));
  v128.store(p + <usize>5 * s, y3);
}

/**
 * Copies the size x size pixels of an image [h, w, cin] from (iy0, ix0) into patch [size][size][kp]
 * (kp >= cin), zero outside the image and in the channel tail. Transforming from this contiguous
 * copy measured 1.7x faster than straight from the image (36 lines a row apart per vector).
 */
export function gatherPatch(img: usize, h: i32, w: i32, cin: i32, kp: i32, iy0: i32, ix0: i32, size: i32, patch: usize): void {
  const cinB = <usize>cin << 2, kpB = <usize>kp << 2, rowB = <usize>w * cinB;
  const dstRow = <usize>size * kpB;
  if (kp == cin) {
    gatherRect(img, h, w, cin, iy0, ix0, size, size, patch, dstRow);
    return;
  }
  // Columns j in [j0, j1) lie inside the image.
  const j0 = max(0, -ix0), j1 = min(size, w - ix0);
  for (let r = 0; r < size; r++) {
    const iy = iy0 + r;
    const dst = patch + <usize>r * dstRow;
    if (<u32>iy >= <u32>h || j1 <= j0) {
      memory.fill(dst, 0, dstRow);
      continue;
    }
    const src = img + <usize>iy * rowB + <usize>(ix0 + j0) * cinB;
    memory.fill(dst, 0, dstRow);
    for (let j = j0; j < j1; j++) memory.copy(dst + <usize>j * kpB, src + <usize>(j - j0) * cinB, cinB);
  }
}

/** Floats of the patch scratch inputTransform needs: a 6x6 tile, or 6 rows of a band of tiles. */
export function inputPatchFloats(kp: i32, tilesW: i32): i32 {
  return max(36 * kp, 6 * ((4 * tilesW + 2) * kp + 16));
}

/**
 * V[ξ][i][c] for tiles t0 .. t0+cnt-1 (tiles past the last image are zero) of x [nImg, h, w, cin],
 * kp = cin rounded up to 4 floats per (tile, ξ). V's ξ stride is sX bytes, its tile stride tB
 * bytes (plane-major [36][cnt][kp] or tile-major [cnt][36][kp], as the caller lays it out). Tile
 * t = (b, ty, tx) of a tilesH x tilesW grid reads input rows 4ty - padTop .. +5 and columns
 * 4tx - padLeft .. +5 (zero outside x). Scratch: tmp 576 bytes, patch inputPatchFloats(kp, tilesW).
 * With kp == cin, the 6 input rows of a whole row of tiles are copied once into patch (each row
 * padded by a cache line: image rows a multiple of 4 KB apart alias in L1) and its tiles
 * transform from there: measured 6.7 -> 5.0 ms at batch 128, 32x32x64, against a 6x6 copy per
 * tile (which itself beat transforming straight from the image 1.3x). Otherwise (channel
 * padding) each tile's 6x6 pixels are copied, zero-filled to kp.
 */
export function inputTransform(x: usize, nImg: i32, h: i32, w: i32, cin: i32, kp: i32, tilesH: i32, tilesW: i32,
  padTop: i32, padLeft: i32, t0: i32, cnt: i32, v: usize, sX: usize, tmp: usize, patch: usize, tB: usize): void {
  const perImg = tilesH * tilesW;
  const kpB = <usize>kp << 2;
  const imgB = (<usize>h * <usize>w * <usize>cin) << 2;
  const bandCols = 4 * tilesW + 2;
  const bandRowB = <usize>bandCols * kpB + 64;
  let bandImg = -1, bandTy = -1;
  for (let i = 0; i < cnt; i++) {
    const t = t0 + i;
    const b = t / perImg;
    const vt = v + <usize>i * tB;
    if (b >= nImg) {
      for (let xi = 0; xi < 36; xi++) memory.fill(vt + <usize>xi * sX, 0, kpB);
      continue;
    }
    const r0 = t - b * perImg;
    const ty = r0 / tilesW, tx = r0 - ty * tilesW;
    if (kp == cin) {
      if (b != bandImg || ty != bandTy) {
        gatherRect(x + <usize>b * imgB, h, w, cin, ty * 4 - padTop, -padLeft, 6, bandCols, patch, bandRowB);
        bandImg = b;
        bandTy = ty;
      }
      interiorTile(patch + <usize>(tx * 4) * kpB, bandRowB, kpB, kp, vt, sX, tmp);
      continue;
    }
    gatherPatch(x + <usize>b * imgB, h, w, cin, kp, ty * 4 - padTop, tx * 4 - padLeft, 6, patch);
    interiorTile(patch, <usize>6 * kpB, kpB, kp, vt, sX, tmp);
  }
}

/** rows x cols pixels of img [h, w, cin] from (iy0, ix0) into dst (row stride dstRowB bytes), zero outside img. */
export function gatherRect(img: usize, h: i32, w: i32, cin: i32, iy0: i32, ix0: i32, rows: i32, cols: i32, dst0: usize, dstRowB: usize): void {
  const pixB = <usize>cin << 2, rowB = <usize>w * pixB;
  const j0 = max(0, -ix0), j1 = min(cols, w - ix0);
  for (let r = 0; r < rows; r++) {
    const iy = iy0 + r;
    const dst = dst0 + <usize>r * dstRowB;
    if (<u32>iy >= <u32>h || j1 <= j0) {
      memory.fill(dst, 0, <usize>cols * pixB);
      continue;
    }
    if (j0 > 0) memory.fill(dst, 0, <usize>j0 * pixB);
    memory.copy(dst + <usize>j0 * pixB, img + <usize>iy * rowB + <usize>(ix0 + j0) * pixB, <usize>(j1 - j0) * pixB);
    if (j1 < cols) memory.fill(dst + <usize>j1 * pixB, 0, <usize>(cols - j1) * pixB);
  }
}
