import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors/errors.js';
import { registerWasmKernels, wasmKernelNames } from './wasm/index.js';
import { installGcGradients } from './ops/gradients.js';
import { initWebgpu, type WebgpuAdapter } from './webgpu.js';
import { registerWebgpuKernels, webgpuKernelNames } from './webgpu-kernels.js';
import { BACKEND_ORDER, type BackendChoice, type ConcreteBackend } from '../config/schema.js';

// The backend list is the config's (config/schema.ts); re-exported for the benchmarks.
export { BACKEND_ORDER, type ConcreteBackend };

/** What was selected, and why faster ones were skipped (for the log line and the run record). */
export interface BackendInfo {
  name: ConcreteBackend;
  /** tfjs's own backend name (tensorflow, wasm, cpu). */
  tfName: string;
  /** For `auto`: one clause per skipped faster backend; empty otherwise. */
  skipped: string[];
  /** Kernels gc-run registered on top of the stock backend. */
  customKernels: string[];
  /** webgpu only: the adapter Dawn gave (a CPU fallback such as llvmpipe is flagged). */
  adapter?: WebgpuAdapter;
}

/** Loads the npm package behind a backend; the name is dynamic so install stays optional. */
async function importOptional(pkg: string): Promise<void> {
  await import(pkg);
}

function shortReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  return (e?.message ?? String(err)).split('\n')[0].slice(0, 200);
}

type Loaded = Pick<BackendInfo, 'tfName' | 'customKernels' | 'adapter'>;

/** `fallbackAdapter`: webgpu accepts a CPU fallback adapter (named by the user, not tried by `auto`). */
async function tryBackend(name: ConcreteBackend, fallbackAdapter: boolean): Promise<Loaded> {
  switch (name) {
    case 'tensorflow-gpu': {
      await importOptional('@tensorflow/tfjs-node-gpu');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend failed to initialise');
      return { tfName: 'tensorflow', customKernels: [] };
    }
    case 'tensorflow': {
      await importOptional('@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend failed to initialise');
      return { tfName: 'tensorflow', customKernels: [] };
    }
    case 'webgpu': {
      const adapter = await initWebgpu(fallbackAdapter);
      registerWebgpuKernels();
      // Our gradient replacements; their wasm kernels are absent here, so they use tf ops (ops/gradients.ts).
      installGcGradients();
      return { tfName: 'webgpu', customKernels: webgpuKernelNames(), adapter };
    }
    case 'wasm': {
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
      // Stock wasm lacks convnet training kernels and runs transposed matmuls slowly; ours fix both.
      registerWasmKernels();
      const customKernels = wasmKernelNames();
      return { tfName: 'wasm', customKernels };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      // The cpu backend prints a banner recommending tfjs-node on first use; our own
      // backend line already says what runs and why.
      (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      return { tfName: 'cpu', customKernels: [] };
    }
  }
}

/**
 * Selects and initialises a backend. `auto` takes the first of BACKEND_ORDER that loads;
 * an explicit choice that cannot load is a BackendError (exit 2). An explicit webgpu accepts a
 * CPU fallback adapter unless `opts.fallbackAdapter` is false (the benchmark measures a real GPU only).
 */
export async function selectBackend(choice: BackendChoice, opts: { fallbackAdapter?: boolean } = {}): Promise<BackendInfo> {
  if (choice !== 'auto') {
    try {
      const r = await tryBackend(choice, opts.fallbackAdapter ?? true);
      return { name: choice, ...r, skipped: [] };
    } catch (err) {
      throw new BackendError(
        `backend '${choice}' cannot be loaded: ${shortReason(err)}` +
          (choice.startsWith('tensorflow') || choice === 'webgpu' ? ' (see README: "Backends")' : ''),
      );
    }
  }
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const r = await tryBackend(name, false);
      return { name, ...r, skipped };
    } catch (err) {
      skipped.push(`${name}: ${shortReason(err)}`);
    }
  }
  throw new BackendError(`no backend could be loaded (${skipped.join('; ')})`);
}

/**
 * The one-line description printed on stderr and stored in run records: which backend, on
 * which adapter for webgpu, and for `auto` why each faster one was passed over.
 */
export function describeBackend(info: BackendInfo, choice: BackendChoice): string {
  const why = choice === 'auto' && info.skipped.length ? ` (auto; skipped ${info.skipped.join('; ')})` : choice === 'auto' ? ' (auto)' : '';
  const kernels = info.customKernels.length ? ` with ${info.customKernels.length} gc-run kernels` : '';
  const a = info.adapter;
  const on = a ? ` on ${a.name} via Dawn ${a.route}${a.fallback ? ' (a CPU fallback adapter: for testing, no faster than wasm)' : ''}` : '';
  // Dawn's native code prints these unprefixed before this line; say whose they are.
  const n = a?.dawnWarnings.length ?? 0;
  const dawn = n ? `; Dawn printed ${n} unprefixed 'Warning:' line(s) itself (its native code writes to stderr directly, where gc-run cannot prefix them)` : '';
  return `backend: ${info.name}${on}${kernels}${why}${dawn}`;
}
