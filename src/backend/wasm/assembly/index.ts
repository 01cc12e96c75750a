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
export * from '../../simd/assembly/filter-grad';
export * from '../../simd/assembly/filter-grad-winograd';
export * from '../../simd/assembly/gemm';
export * from '../../simd/assembly/winograd';
export * from '../../simd/assembly/pooling';
export * from '../../simd/assembly/gc-backward';
export * from '../../simd/assembly/elementwise';
export * from '../../simd/assembly/reduce';
export * from '../../simd/assembly/batchnorm';
export * from '../../simd/assembly/transpose';
export * from '../../simd/assembly/sparse-input-grad';
export * from '../../simd/assembly/bn-train';
export * from '../../simd/assembly/winograd-filter';
export * from '../../simd/assembly/conv-small-cin';
export * from '../../simd/assembly/residual';
