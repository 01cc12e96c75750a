/**
 * Every tunable of the wasm kernels, in one place. The values are the measured best (see each
 * comment); production code only reads them. Same-process A/B benchmarks (bench/kernels/) and
 * tests flip them to compare paths.
 */

/** Conv2DBackpropFilter on our kernels (filter-grad.ts). */
export const filterGradTuning = {
  /** Off: conv2DBackpropFilter keeps its previous path (A/B benchmarks). */
  enabled: true,
  /** Pixels per cache block (rounded to whole image rows; 64..1024 measured within 10%, 128 best). */
  blockPixels: 128,
  /** Use the Winograd F(4x4,3x3) kernel for 3x3 filters with Cout % 8 == 0 and Cin % 4 == 0 ... */
  winograd: true,
  /**
   * ... or Cin and Cout at least these (Cin padded with zero channels to a multiple of 4 in the
   * transform). Measured batch 128, 32x32, against the direct kernel: 3->64 12.9 -> 10.2 ms,
   * 3->128 29.7 -> 18.9, 5->64 17.9 -> 14.4; 3->32 6.2 -> 6.1, 3->16 3.3 -> 4.3, 2->64 9.0 -> 10.4
   * (max relative error against float64 1.4e-5 against the direct kernel's 5.4e-6, the same as
   * the Cin % 4 == 0 Winograd path's).
   */
  winogradPadded: { cin: 3, cout: 64 },
  /** Winograd tiles per chunk (transform scratch: 36 * tiles * (Cin + Cout) floats; 64 measured a bit faster than 16/32). */
  winogradTiles: 64,
};

/** Conv2DBackpropInput for sparse dy (sparse-input-grad.ts). */
export const sparseInputGradTuning = {
  /** Off: conv2DBackpropInput keeps its dense paths (A/B benchmarks). */
  enabled: true,
  /**
   * Use the sparse kernel when dy's non-zero fraction is below this (Ci >= 2). Measured (bench/
   * sparse-input-grad-bench.ts, cnn conv2 320x11x11x64 -> 13x13x32) vs Winograd ~26 ms: 0.1: 14 ms,
   * 0.15: 19 ms, 0.2: 22.5 ms, 0.3: 26 ms, 1: 77 ms. The cnn's GC dy has density ~0.15.
   */
  maxDensity: 0.25,
  /**
   * The same for Ci = 1, vs matmul + col2im ~12 ms (cnn conv1 320x26x26x32 -> 28x28x1): 0.05: 7.5 ms,
   * 0.1: 12.6 ms, 0.2: 18 ms. The cnn's GC dy has density ~0.2, so it keeps col2im.
   */
  maxDensity1: 0.08,
  /** Images of dy whose non-zeros are counted (evenly spaced; the whole of dy if it has no more). */
  sampleImages: 4,
};

/** Direct small-Cin convolution (conv-small-cin.ts). */
export const smallCinTuning = {
  /** On by default; off only in same-process A/B benchmarks. */
  enabled: true,
};

/** For same-process A/B benchmarks: route small-Cin convs to stock (false) or ours (true). */
export function setSmallCinEnabled(on: boolean): void {
  smallCinTuning.enabled = on;
}

/** Winograd forward convolution (winograd.ts). */
export const winogradTuning = {
  /** Tiles per chunk: V and M for one chunk (36*chunk*(Cin+Cout) floats) stay in L2. Measured best. */
  chunk: 96,
  /**
   * Off: forward convs (Conv2D, FusedConv2D) do not use Winograd. Its rounding depends on an output
   * pixel's place in its 4x4 tile, so equal input patches give unequal outputs and exact max-pool
   * ties of the function become float32 non-ties; GC measurement turns it off (ops/tie-exact.ts).
   */
  forward: true,
};

/** For benchmarks: override the chunk size (rounded to the GEMM row block). */
export function setWinogradChunk(c: number): void {
  winogradTuning.chunk = c;
}
