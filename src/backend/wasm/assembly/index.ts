// AssemblyScript kernels, compiled to dist/simd/kernels.wasm by `npm run build:simd`. The module
// imports TensorFlow.js's wasm memory and works in place on tensor storage: every pointer is a
// byte offset into that memory. It must have no data segment, no globals that live in memory and
// no allocation (runtime stub, never called), or it would write over tfjs's heap; a test checks.

/** y[i] = a * x[i] + y[i] for n floats; x, y 16-byte aligned not required. */
export function axpy(n: i32, a: f32, x: usize, y: usize): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}
export * from './filter-grad';
export * from './filter-grad-winograd';
export * from './gemm';
export * from './winograd';
export * from './pooling';
export * from './gc-backward';
export * from './elementwise';
export * from './reduce';
export * from './batch-norm';
export * from './transpose';
export * from './sparse-input-grad';
export * from './bn-train';
export * from './winograd-filter';
export * from './conv-small-cin';
export * from './residual';
export * from './dense';
export { FUSED_MADD } from './madd';
