// 3x3 conv filter gradient in the Winograd F(4x4, 3x3) domain (Lavin & Gray 2016). The forward
// conv of one 4x4 output tile is Y = A^T [(G g G^T) .* (B^T d B)] A for the 6x6 input tile d, so
//   dU[xi,nu][ci,co] = sum_tiles V[xi,nu][ci] M[xi,nu][co],  V = B^T d B,  M = A dY A^T,
//   dW[kh,kw] = sum_{xi,nu} G[xi,kh] G[nu,kw] dU[xi,nu]:
// 36 GEMMs over tiles instead of 9 over pixels with 16x fewer rows: 4x fewer multiplies.
// Tiles are processed in chunks of TC: transforms go to small scratch buffers (kept in cache) and
// the GEMM accumulates into dU with the direct kernel's 4x8 register blocks.
// All pointers are byte offsets into tfjs's memory; nothing is allocated here.
import { block4x8 } from './filter-grad';
import { gatherRect, gradTile, inputPatchFloats, inputTransform } from './winograd-transforms';

/**
 * M planes (stride mXi) of tiles t0 .. t0+cnt-1 (grid th x tw) from dy [N, OH, OW, Cout], zero past
 * OH/OW. Each tile row's 4 dy rows are copied once into band (rows padded by a cache line).
 */
function dyTransforms(dy: usize, oh: i32, ow: i32, th: i32, tw: i32, cout: i32, t0: i32, cnt: i32, ms: usize, mXi: usize, tmp: usize, band: usize): void {
  const dPix = <usize>cout << 2;
  const imgB = <usize>(oh * ow) * dPix;
  const bandRowB = <usize>(4 * tw) * dPix + 64;
  let bandImg = -1, bandTy = -1;
  for (let t = 0; t < cnt; t++) {
    const g = t0 + t;
    const b = g / (th * tw), rem = g % (th * tw);
    const ty = rem / tw, tx = rem % tw;
    if (b != bandImg || ty != bandTy) {
      gatherRect(dy + <usize>b * imgB, oh, ow, cout, 4 * ty, 0, 4, 4 * tw, band, bandRowB);
      bandImg = b;
      bandTy = ty;
    }
    gradTile(band + <usize>(4 * tx) * dPix, bandRowB, dPix, cout, ms + <usize>t * dPix, mXi, tmp);
  }
}

/** G[xi][k] of F(4x4,3x3): rows [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]. */
function gCoef(xi: i32, k: i32): f32 {
  if (xi == 0) return k == 0 ? 0.25 : 0;
  if (xi == 5) return k == 2 ? 1 : 0;
  if (xi <= 2) return k == 1 && xi == 2 ? <f32>(1.0 / 6) : <f32>(-1.0 / 6);
  if (k == 0) return <f32>(1.0 / 24);
  if (k == 2) return <f32>(1.0 / 6);
  return xi == 3 ? <f32>(1.0 / 12) : <f32>(-1.0 / 12);
}

/**
 * Floats of filterGradWinograd's v scratch for these channels, tc tiles per chunk and output width
 * ow: the V planes, a transform's intermediate (144 floats), then the row copies the transforms
 * make (x's 6 rows of a row of tiles, or dy's 4).
 */
export function filterGradVScratchFloats(cin: i32, cout: i32, tc: i32, ow: i32): i32 {
  const kp = (cin + 3) & ~3, tw = (ow + 3) >> 2;
  return 36 * (tc * kp + 16) + 144 + max(inputPatchFloats(kp, tw), 4 * (4 * tw * cout + 16));
}

/**
 * dW [3,3,Cin,Cout] for a stride-1 3x3 conv of x [N, H, W, Cin] with output gradient dy
 * [N, OH, OW, Cout], output pixel (i, j) reading x rows i - pt .. +2, columns j - pl .. +2 (zero
 * outside x). Cout % 8 == 0; any Cin (kp = Cin rounded up to 4: V carries zero channels up to kp,
 * so the GEMM's 4-row blocks need no tail). Scratch: du 36*kp*Cout floats, v
 * filterGradVScratchFloats(cin, cout, tc, ow), m 36*(tc*Cout+16).
 */
export function filterGradWinograd(x: usize, dy: usize, dw: usize, du: usize, vs: usize, ms: usize,
  n: i32, h: i32, w: i32, oh: i32, ow: i32, pt: i32, pl: i32, cin: i32, cout: i32, tc: i32): void {
  const th = (oh + 3) >> 2, tw = (ow + 3) >> 2;
  const kp = (cin + 3) & ~3;
  const xPix = <usize>kp << 2, dPix = <usize>cout << 2;
  // V scratch [36][tc][kp], M scratch [36][tc][Cout], each xi slab padded by one cache line:
  // with power-of-two slabs the 36 values of one tile sit in one L1 set (measured 3x slower).
  const vXi = <usize>(tc * kp + 16) << 2;
  const mXi = <usize>(tc * cout + 16) << 2;
  const duXi = <usize>(kp * cout) << 2;
  const tmp = vs + <usize>36 * vXi;
  memory.fill(du, 0, 36 * duXi);
  const tiles = n * th * tw;
  for (let t0 = 0; t0 < tiles; t0 += tc) {
    const cnt = min(tc, tiles - t0);
    inputTransform(x, n, h, w, cin, kp, th, tw, pt, pl, t0, cnt, vs, vXi, tmp, tmp + 576, xPix);
    dyTransforms(dy, oh, ow, th, tw, cout, t0, cnt, ms, mXi, tmp, tmp + 576);
    // dU[xi] += V[xi]^T M[xi]: rows ci (4 per block, broadcast from V), 8 co lanes from M.
    for (let xi = 0; xi < 36; xi++) {
      const v = vs + <usize>xi * vXi, m = ms + <usize>xi * mXi, acc = du + <usize>xi * duXi;
      for (let c0 = 0; c0 < cout; c0 += 8) {
        for (let r = 0; r < kp; r += 4) {
          const o = <usize>r << 2;
          block4x8(v, m + (<usize>c0 << 2), acc + <usize>(r * cout + c0) * 4, o, o + 4, o + 8, o + 12, 1, cnt, 0, xPix, dPix, dPix);
        }
      }
    }
  }
  // dW[kh,kw] = sum G[xi,kh] G[nu,kw] dU[xi,nu], 4 floats at a time over (ci, co): dU's first
  // Cin rows of each plane (the padding channels' rows are dropped).
  const q = cin * cout;
  const dwK = <usize>q << 2;
  memory.fill(dw, 0, 9 * dwK);
  for (let k = 0; k < 9; k++) {
    const out = dw + <usize>k * dwK;
    for (let xi = 0; xi < 6; xi++) {
      const gx = gCoef(xi, k / 3);
      if (gx == 0) continue;
      for (let nu = 0; nu < 6; nu++) {
        const coef = gx * gCoef(nu, k % 3);
        if (coef == 0) continue;
        const cv = f32x4.splat(coef), src = du + <usize>(xi * 6 + nu) * duXi;
        for (let i = 0; i < q; i += 4) {
          const p = <usize>i << 2;
          v128.store(out + p, f32x4.add(v128.load(out + p), f32x4.mul(cv, v128.load(src + p))));
        }
      }
    }
  }
}
