// Filter transform of the Winograd F(4x4, 3x3) convolution (assembly/winograd.ts):
// U[ξ] = G g G^T for every (input, output) channel pair, packed for gemmPanels as
// [36][np/8][K][8] (np = N rounded up to 8, padding columns zero). Optionally for the input
// gradient's filter (spatially flipped, in/out channels swapped), read in place from the
// forward filter, so no Reverse/Transpose of the filter is materialised.
// Scalar f64 arithmetic: 36*K*N outputs are few next to the conv (64x64: ~0.1 ms).

/** G of F(4,3) applied to (a, b, c): row ξ of G [6][3] dotted with the 3-vector. */
// @ts-ignore: decorator
@inline function gRow(xi: i32, a: f64, b: f64, c: f64): f64 {
  if (xi == 0) return a * 0.25;
  if (xi == 1) return (a + b + c) * (-1.0 / 6);
  if (xi == 2) return (a - b + c) * (-1.0 / 6);
  if (xi == 3) return a * (1.0 / 24) + b * (1.0 / 12) + c * (1.0 / 6);
  if (xi == 4) return a * (1.0 / 24) - b * (1.0 / 12) + c * (1.0 / 6);
  return c;
}

/**
 * u [36][np/8][K][8] from the filter g [3,3,Ci,Co] (float32). flip = 0: the conv's filter is g
 * (K = Ci inputs, N = Co outputs). flip = 1: the conv's filter is g flipped in both spatial axes
 * with in/out swapped, w'[r,s,k,n] = g[2-r, 2-s, n, k] (K = Co, N = Ci): the input gradient's.
 */
export function winogradFilter(g: usize, ci: i32, co: i32, flip: i32, u: usize): void {
  const kk = flip ? co : ci, nn = flip ? ci : co;
  const np = (nn + 7) & ~7;
  memory.fill(u, 0, (<usize>36 * <usize>np * <usize>kk) << 2);
  const tap = (<usize>ci * <usize>co) << 2; // bytes between filter taps (r, s)
  const xiStride = (<usize>np * <usize>kk) << 2;
  for (let k = 0; k < kk; k++) {
    for (let n = 0; n < nn; n++) {
      // Tap (r, s) of the conv's filter at channel pair (k, n), via its byte offset in g.
      const base = g + ((flip ? <usize>n * <usize>co + <usize>k : <usize>k * <usize>co + <usize>n) << 2);
      const col = u + ((((<usize>(n >> 3) * <usize>kk) + <usize>k) * 8 + <usize>(n & 7)) << 2);
      let w0: f64 = 0, w1: f64 = 0, w2: f64 = 0, w3: f64 = 0, w4: f64 = 0, w5: f64 = 0, w6: f64 = 0, w7: f64 = 0, w8: f64 = 0;
      if (flip) {
        w0 = load<f32>(base + 8 * tap); w1 = load<f32>(base + 7 * tap); w2 = load<f32>(base + 6 * tap);
        w3 = load<f32>(base + 5 * tap); w4 = load<f32>(base + 4 * tap); w5 = load<f32>(base + 3 * tap);
        w6 = load<f32>(base + 2 * tap); w7 = load<f32>(base + tap); w8 = load<f32>(base);
      } else {
        w0 = load<f32>(base); w1 = load<f32>(base + tap); w2 = load<f32>(base + 2 * tap);
        w3 = load<f32>(base + 3 * tap); w4 = load<f32>(base + 4 * tap); w5 = load<f32>(base + 5 * tap);
        w6 = load<f32>(base + 6 * tap); w7 = load<f32>(base + 7 * tap); w8 = load<f32>(base + 8 * tap);
      }
      for (let a = 0; a < 6; a++) {
        // t = (G g)[a] over the filter's 3 columns, then U[a][b] = t . G[b].
        const t0 = gRow(a, w0, w3, w6), t1 = gRow(a, w1, w4, w7), t2 = gRow(a, w2, w5, w8);
        for (let b = 0; b < 6; b++) store<f32>(col + <usize>(a * 6 + b) * xiStride, <f32>gRow(b, t0, t1, t2));
      }
    }
  }
}
