/**
 * Helpers for composite wasm kernels: run another registered kernel on backend-level
 * `TensorInfo`s (no tensors, no tape) and free intermediates. The stock kernels we override are
 * captured before we unregister them, so a composite can still reach the original.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

/** Kernel configs of stock wasm kernels replaced by ours, keyed by kernel name. */
const stockConfigs = new Map<string, tf.KernelConfig>();

/** Remembers the stock config of `name` (once) so overrides can delegate to it. */
export function captureStock(name: string): tf.KernelConfig | undefined {
  const existing = stockConfigs.get(name);
  if (existing) return existing;
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg) stockConfigs.set(name, cfg);
  return cfg;
}

/** The stock config captured for `name`, if any. */
export function stockKernel(name: string): tf.KernelConfig | undefined {
  return stockConfigs.get(name);
}

/**
 * Runs kernel `name` on the wasm backend and returns its single output. Prefers the captured
 * stock kernel, so composites never recurse into our own overrides by accident.
 */
export function call(backend: BackendWasm, name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  const cfg = stockConfigs.get(name) ?? tf.getKernel(name, 'wasm');
  if (!cfg) throw new Error(`wasm kernel ${name} is not registered`);
  const out = cfg.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Same as `call` but returns every output (for multi-output kernels). */
export function callMulti(backend: BackendWasm, name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info[] {
  const cfg = stockConfigs.get(name) ?? tf.getKernel(name, 'wasm');
  if (!cfg) throw new Error(`wasm kernel ${name} is not registered`);
  const out = cfg.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  return Array.isArray(out) ? out : [out];
}

/** Frees intermediates (reference counted: reshapes share data with their source). */
export function free(backend: BackendWasm, ...infos: (Info | null | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A reshape that shares storage (bumps the ref count, like the stock Reshape kernel). */
export function reshape(backend: BackendWasm, x: Info, shape: number[]): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * Transpose with `perm`; returns `x` itself (ref count bumped) when `perm` is the identity. Runs
 * the registered Transpose (gc-run's fast paths once registered), not the captured stock one:
 * the composites' transposes are exactly the shapes those fast paths were written for.
 */
export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  if (perm.every((p, i) => p === i)) return reshape(backend, x, x.shape.slice());
  const cfg = tf.getKernel('Transpose', 'wasm');
  if (!cfg) throw new Error('wasm kernel Transpose is not registered');
  const out = cfg.kernelFunc({ inputs: { x } as tf.NamedTensorInfoMap, backend, attrs: { perm } });
  return Array.isArray(out) ? out[0] : out;
}

/**
 * Pads (positive amounts) or crops (negative amounts) each axis of `x`; `amounts[i] = [before, after]`.
 * Used to turn conv paddings that come out negative into slices.
 */
export function padOrCrop(backend: BackendWasm, x: Info, amounts: [number, number][]): Info {
  let cur = reshape(backend, x, x.shape.slice());
  if (amounts.some(([b, a]) => b < 0 || a < 0)) {
    const begin = amounts.map(([b]) => Math.max(0, -b));
    const size = cur.shape.map((d, i) => d - begin[i] - Math.max(0, -amounts[i][1]));
    const sliced = call(backend, 'Slice', { x: cur }, { begin, size });
    free(backend, cur);
    cur = sliced;
  }
  if (amounts.some(([b, a]) => b > 0 || a > 0)) {
    const paddings = amounts.map(([b, a]) => [Math.max(0, b), Math.max(0, a)]);
    const padded = call(backend, 'PadV2', { x: cur }, { paddings, constantValue: 0 });
    free(backend, cur);
    cur = padded;
  }
  return cur;
}

/** Whether the current backend has kernel `name` (ops choose our fused kernel or a tf-op fallback). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

/**
 * True while an outer tape records, i.e. the backward pass now running will itself be
 * differentiated (second-order penalties): gradients must then be built from differentiable ops.
 * Reads tfjs's internal engine state (no public API says this).
 */
export function outerTapeRecording(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}
