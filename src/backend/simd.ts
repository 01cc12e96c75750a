/**
 * gc-run's own WebAssembly SIMD kernels (AssemblyScript sources in ./wasm/assembly, compiled by
 * `npm run build:simd` to kernels.wasm beside this module). The module imports the memory of
 * TensorFlow.js's wasm backend, so kernels read and write tensor storage in place: no copies
 * in or out. Pointers are byte offsets into that memory (see `ptr`).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '#tf';

import type { SimdExports } from './kernels.generated.js';

/** The exports of kernels.wasm, typed by the build (kernels.generated.ts, from asc's bindings). */
export type { SimdExports };

const WASM_URL = new URL('./kernels.wasm', import.meta.url);
/** The same kernels built with `--enable relaxed-simd`: fused multiply-adds (assembly/madd.ts). */
const RELAXED_URL = new URL('./kernels-relaxed.wasm', import.meta.url);
/** Set to 0 to load the baseline build even where relaxed SIMD validates (A/B benchmarks, tests). */
export const RELAXED_ENV = 'GC_RUN_RELAXED_SIMD';

// Relaxed SIMD is on by default from Node 22 (V8 11.4+); Node 20 has it behind this flag, which
// takes effect only if set before any wasm is compiled: this module is imported (with the wasm
// kernels) before a backend is selected, so here is early enough. Not set from Node 22 on, where
// the feature has shipped (a later V8 may drop the flag and complain about it).
if (process.env[RELAXED_ENV] !== '0' && Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');

let compiled: WebAssembly.Module | undefined;
let build: 'relaxed' | 'baseline' | undefined;

/** Which build `simd()` loads: relaxed when this engine validates it (and not disabled), else baseline. */
export function simdBuild(): 'relaxed' | 'baseline' {
  if (build) return build;
  build = 'baseline';
  if (process.env[RELAXED_ENV] !== '0') {
    try {
      if (WebAssembly.validate(readFileSync(RELAXED_URL))) build = 'relaxed';
    } catch {
      // no relaxed build beside this module: the baseline one
    }
  }
  return build;
}
const instances = new WeakMap<WebAssembly.Memory, SimdExports>();

/** tfjs's wasm memory (the Emscripten module exports it as `memory`). */
export function backendMemory(backend: BackendWasm): WebAssembly.Memory {
  const mod = backend.wasm as unknown as { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('tfjs wasm backend does not expose its memory; gc-run SIMD kernels cannot load');
  return memory;
}

/** Our SIMD kernels bound to `backend`'s memory (instantiated once per memory). */
export function simd(backend: BackendWasm): SimdExports {
  const memory = backendMemory(backend);
  let inst = instances.get(memory);
  if (!inst) {
    compiled ??= new WebAssembly.Module(readFileSync(simdBuild() === 'relaxed' ? RELAXED_URL : WASM_URL));
    inst = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdExports;
    instances.set(memory, inst);
  }
  return inst;
}

/** Byte offset of `t`'s storage in the wasm memory (valid until the next allocation frees it). */
export function ptr(backend: BackendWasm, t: tf.TensorInfo): number {
  return (backend as unknown as { dataIdMap: { get(id: unknown): { memoryOffset: number } } }).dataIdMap.get(t.dataId).memoryOffset;
}

/** Path of the compiled module (for tests that inspect it). */
export const SIMD_WASM_PATH = WASM_URL;

/**
 * The exports of another build of kernels.wasm (`file`), bound to `backend`'s memory: for
 * same-process A/B benchmarks of two builds (bench/kernels/winograd-ab.ts, bench/kernels/bn-kernels-bench.ts).
 */
export function instantiateBuild(backend: BackendWasm, file: string | URL): SimdExports {
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory: backendMemory(backend) } }).exports as unknown as SimdExports;
}
