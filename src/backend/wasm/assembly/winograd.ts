// Winograd F(4x4, 3x3) convolution, NHWC, stride 1, on tfjs's memory. Each 4x4 output tile needs
// a 6x6 input tile d; the output is A^T [ (G g G^T) ⊙ (B^T d B) ] A, so the conv becomes 36
// independent GEMMs [tiles, Cin] x [Cin, Cout] (one per point ξ of the 6x6 transform domain).
// Tiles are processed in chunks so the transformed inputs V [chunk][36][kp] and products
// M [chunk][36][np] stay in cache. Transforms vectorise over 4 channels; pixels outside the
// input (any padding, or a crop when a pad is negative) read as zero.
import { GEMM_ROWS, gemmPanels } from './gemm';
import { inputPatchFloats, inputTransform } from './winograd-transforms';

/** The first min(rem, 4) floats at p, zeros after: a channel tail never reads past its buffer. */
// @ts-ignore: decorator
@inline function loadLanes(p: usize, rem: i32): v128 {
  if (rem >= 4) return v128.load(p);
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/**
 * 1-D A^T transform of m0..m5 -> 4 values. A^T rows: [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1].
 * Results via the out pointers' slots p, p+s, p+2s, p+3s (bytes).
 */
// @ts-ignore: decorator
@inline function at(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, p: usize, s: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(p, f32x4.add(f32x4.add(m0, a), c));
  v128.store(p + s, f32x4.add(b, f32x4.mul(f32x4.splat(2), d)));
  v128.store(p + <usize>2 * s, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(p + <usize>3 * s, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}

/** Stores the first min(rem, 4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, rem: i32): void {
  if (rem >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (rem > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (rem > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * A whole 4x4 output tile, cout a multiple of 4: A^T along x from M (ξ stride sX) into tmp
 * [6 rows][4] (contiguous, L1), then A^T along y straight into y (row stride rowB, pixel pixB)
 * with bias and relu, without checks. The bias is added once, to M[1][1]: column 1 of A^T is all
 * ones, so A^T (β e1 e1^T) A adds β to all 16 outputs (one add instead of 16). Relu is pmax: V8's
 * f32x4.max (NaN and signed-zero rules) is 8 instructions; pmax is one maxps (NaN still propagates;
 * a -0 result stays -0).
 */
// @ts-ignore: decorator
@inline function fullTile(mt: usize, sX: usize, y: usize, rowB: usize, pixB: usize, cout: i32, bias: usize, relu: i32, tmp: usize): void {
  const zero = f32x4.splat(0);
  const s6 = <usize>6 * sX;
  for (let c = 0; c < cout; c += 4) {
    const mc = mt + (<usize>c << 2);
    at(v128.load(mc), v128.load(mc + sX), v128.load(mc + <usize>2 * sX), v128.load(mc + <usize>3 * sX), v128.load(mc + <usize>4 * sX), v128.load(mc + <usize>5 * sX), tmp, 16);
    let p = mc + s6;
    let m11 = v128.load(p + sX);
    if (bias != 0) m11 = f32x4.add(m11, v128.load(bias + (<usize>c << 2)));
    at(v128.load(p), m11, v128.load(p + <usize>2 * sX), v128.load(p + <usize>3 * sX), v128.load(p + <usize>4 * sX), v128.load(p + <usize>5 * sX), tmp + 64, 16);
    for (let r = 2; r < 6; r++) {
      p += s6;
      at(v128.load(p), v128.load(p + sX), v128.load(p + <usize>2 * sX), v128.load(p + <usize>3 * sX), v128.load(p + <usize>4 * sX), v128.load(p + <usize>5 * sX), tmp + <usize>(r * 64), 16);
    }
    const yc = y + (<usize>c << 2);
    for (let j = 0; j < 4; j++) {
      const q = tmp + <usize>(j * 16);
      const m0 = v128.load(q), m1 = v128.load(q, 64), m2 = v128.load(q, 128), m3 = v128.load(q, 192), m4 = v128.load(q, 256), m5 = v128.load(q, 320);
      const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
      const cc = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
      let o0 = f32x4.add(f32x4.add(m0, a), cc);
      let o1 = f32x4.add(b, f32x4.mul(f32x4.splat(2), d));
      let o2 = f32x4.add(a, f32x4.mul(f32x4.splat(4), cc));
      let o3 = f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5);
      if (relu) {
        o0 = f32x4.pmax(o0, zero); o1 = f32x4.pmax(o1, zero); o2 = f32x4.pmax(o2, zero); o3 = f32x4.pmax(o3, zero);
      }
      const py = yc + <usize>j * pixB;
      v128.store(py, o0);
      v128.store(py + rowB, o1);
      v128.store(py + <usize>2 * rowB, o2);
      v128.store(py + <usize>3 * rowB, o3);
    }
  }
}

/** y tiles from M [chunk][36][np] (ξ stride sX; in place as scratch), plus bias (0 = none) and relu. */
function outputTransform(m: usize, sX: usize, np: i32, t0: i32, cnt: i32, nTiles: i32, tilesH: i32, tilesW: i32,
  y: usize, oh: i32, ow: i32, cout: i32, bias: usize, relu: i32, tmp: usize): void {
  const coutB = <usize>cout << 2;
  const s6 = <usize>6 * sX;
  const perImg = tilesH * tilesW;
  const zero = f32x4.splat(0);
  for (let i = 0; i < cnt; i++) {
    const t = t0 + i;
    if (t >= nTiles) break;
    const b = t / perImg;
    const r0 = t - b * perImg;
    const ty = r0 / tilesW, tx = r0 - ty * tilesW;
    const oy0 = ty * 4, ox0 = tx * 4;
    const rows = min(4, oh - oy0), cols = min(4, ow - ox0);
    const base = y + ((<usize>b * <usize>oh + <usize>oy0) * <usize>ow + <usize>ox0) * coutB;
    const mt = m + <usize>i * <usize>36 * sX;
    if (rows == 4 && cols == 4 && (cout & 3) == 0) {
      fullTile(mt, sX, base, <usize>ow * coutB, coutB, cout, bias, relu, tmp);
      continue;
    }
    for (let c = 0; c < cout; c += 4) {
      const mc = mt + (<usize>c << 2);
      // Pass 1: A^T along x on each of the 6 rows, in place (columns 0..3 of the row).
      for (let r = 0; r < 6; r++) {
        const p = mc + <usize>(r * 6) * sX;
        at(v128.load(p), v128.load(p + sX), v128.load(p + <usize>2 * sX), v128.load(p + <usize>3 * sX), v128.load(p + <usize>4 * sX), v128.load(p + <usize>5 * sX), p, sX);
      }
      // Pass 2: A^T along y on columns 0..3, in place (rows 0..3), then bias, relu, store.
      const rem = cout - c;
      const bv = bias != 0 ? loadLanes(bias + (<usize>c << 2), rem) : zero;
      for (let j = 0; j < cols; j++) {
        const p = mc + <usize>j * sX;
        at(v128.load(p), v128.load(p + s6), v128.load(p + <usize>2 * s6), v128.load(p + <usize>3 * s6), v128.load(p + <usize>4 * s6), v128.load(p + <usize>5 * s6), p, s6);
        for (let q = 0; q < rows; q++) {
          let o = f32x4.add(v128.load(p + <usize>q * s6), bv);
          if (relu) o = f32x4.pmax(o, zero);
          storeLanes(base + (<usize>q * <usize>ow + <usize>j) * coutB + (<usize>c << 2), o, rem);
        }
      }
    }
  }
}

/** Floats of scratch winogradConv3x3 needs for these channel counts, chunk and output width: V, M, tmp, patch. */
export function winogradScratchFloats(cin: i32, cout: i32, chunk: i32, ow: i32): i32 {
  const kp = (cin + 3) & ~3, np = (cout + 7) & ~7;
  return 36 * chunk * (kp + np) + 144 + inputPatchFloats(kp, (ow + 3) >> 2);
}

/**
 * y [n, oh, ow, cout] = conv(x [n, h, w, cin], 3x3 filter) (+ bias [cout]) (relu if relu != 0),
 * stride 1, output pixel (oy, ox) reading input rows oy - padTop .. +2, columns ox - padLeft .. +2.
 * u: transformed filter [36][np/8][cin][8] (np = cout rounded up to 8, zero padded).
 * bias: byte offset of [cout] floats (0 = none). scratch: winogradScratchFloats(cin, cout, chunk, ow)
 * floats; chunk (tiles per pass) a multiple of GEMM_ROWS.
 */
export function winogradConv3x3(x: usize, n: i32, h: i32, w: i32, cin: i32, u: usize, cout: i32, bias: usize, relu: i32,
  y: usize, oh: i32, ow: i32, padTop: i32, padLeft: i32, scratch: usize, chunk: i32): void {
  const kp = (cin + 3) & ~3, np = (cout + 7) & ~7;
  const tilesH = (oh + 3) >> 2, tilesW = (ow + 3) >> 2;
  const nTiles = n * tilesH * tilesW;
  // Tile-major scratch: V [chunk][36][kp], M [chunk][36][np]. A tile's 36 transform points are
  // contiguous, so each transform writes (reads) one 9 KB block instead of 36 lines a plane apart
  // (measured ~3% of the whole conv faster); the GEMM reads rows of a plane at stride 36*kp.
  const vX = <usize>kp << 2, mX = <usize>np << 2;
  const v = scratch;
  const m = v + <usize>36 * <usize>chunk * vX;
  const tmp = m + <usize>36 * <usize>chunk * mX;
  const uStride = (<usize>np * <usize>cin) << 2;
  for (let t0 = 0; t0 < nTiles; t0 += chunk) {
    let cnt = min(chunk, nTiles - t0);
    cnt = ((cnt + GEMM_ROWS - 1) / GEMM_ROWS) * GEMM_ROWS;
    inputTransform(x, n, h, w, cin, kp, tilesH, tilesW, padTop, padLeft, t0, cnt, v, vX, tmp, tmp + 576, <usize>36 * vX);
    for (let xi = 0; xi < 36; xi++) {
      gemmPanels(v + <usize>xi * vX, 36 * kp, u + <usize>xi * uStride, cin, m + <usize>xi * mX, 36 * np, cnt, np);
    }
    outputTransform(m, mX, np, t0, cnt, nTiles, tilesH, tilesW, y, oh, ow, cout, bias, relu, tmp);
  }
}
