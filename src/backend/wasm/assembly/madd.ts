// a * b + c on f32x4. In the relaxed-SIMD build (`--enable relaxed-simd`, kernels-relaxed.wasm)
// this is one f32x4.relaxed_madd (a fused multiply-add where the CPU has FMA: one rounding instead
// of two, so results differ from the baseline build in the last bits); in the baseline build a
// mul and an add. ASC_FEATURE_RELAXED_SIMD is a compile-time constant: the other branch is never compiled.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 1 when this build fuses multiply-adds (relaxed SIMD), 0 otherwise. */
export const FUSED_MADD: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
