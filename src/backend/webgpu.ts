/**
 * The webgpu backend: TensorFlow.js's WebGPU kernels on Google's Dawn for Node (the optional
 * `webgpu` and `@tensorflow/tfjs-backend-webgpu` packages). A GPU route for current drivers
 * (Vulkan on NVIDIA, AMD, Intel), where tfjs-node-gpu needs CUDA 11.2.
 *
 * Order matters: tfjs's WebGPU module registers its backend at import only if `navigator.gpu`
 * exists, and its factory calls `navigator.gpu.requestAdapter()`. We install a `navigator.gpu`
 * that hands out the adapter chosen here before importing it.
 */
import * as tf from '#tf';
import { adapterName, DAWN_ROUTES, isFallbackAdapter, probeAdapters, type AdapterInfo, type DawnRoute, type ProbeResult } from './webgpu-probe.js';

export interface WebgpuAdapter {
  route: DawnRoute['name'];
  /** e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe-llvm-15-0-6-256-bits-, OpenGL ES 3.2 Mesa 22.3.6". */
  name: string;
  /** A CPU rasteriser (llvmpipe, SwiftShader): correct, but no faster than wasm. */
  fallback: boolean;
  info: AdapterInfo;
  /**
   * Warnings Dawn printed to this process's stderr when it created the adapter (as the probe saw
   * them on the same route; empty after the first creation). Its native code writes them to file
   * descriptor 2 directly, where gc-run cannot prefix them, so the backend line accounts for them.
   */
  dawnWarnings: string[];
}

/** Why webgpu was not used (an Error whose message is the reason clause of the backend line). */
export class WebgpuUnavailable extends Error {}

interface DawnModule {
  create(flags: string[]): { requestAdapter(o: object): Promise<GpuAdapterLike | null> } & Record<string, unknown>;
  globals: Record<string, unknown>;
}
interface GpuAdapterLike {
  info: AdapterInfo;
}

function resolveOptional(pkg: string): string {
  try {
    return import.meta.resolve(pkg);
  } catch {
    throw new WebgpuUnavailable(`not installed (npm package ${pkg})`);
  }
}

/** One clause per route that gave no adapter, from Dawn's own messages. */
function noAdapterReason(probes: ProbeResult[]): string {
  const why = probes.map((p) => `${p.route}: ${p.adapter ? adapterName(p.adapter) : (p.messages[0] ?? 'no adapter').slice(0, 120)}`);
  return `no GPU adapter (${why.join('; ')})`;
}

const fallbackReason = (info: AdapterInfo) =>
  `only a CPU fallback adapter (${adapterName(info)}), no faster than wasm; --backend webgpu uses it anyway`;

/**
 * Picks an adapter: the first real GPU; a CPU fallback only when `allowFallback` (an explicit
 * --backend webgpu, as CI runs it on llvmpipe). Throws WebgpuUnavailable with the reason.
 */
export function chooseAdapter(probes: ProbeResult[], allowFallback: boolean): { route: DawnRoute; info: AdapterInfo; fallback: boolean; warnings: string[] } {
  const found = probes
    .filter((p) => p.adapter)
    .map((p) => ({ route: DAWN_ROUTES.find((r) => r.name === p.route)!, info: p.adapter!, fallback: isFallbackAdapter(p.adapter!), warnings: p.warnings ?? [] }));
  const real = found.find((f) => !f.fallback);
  if (real) return real;
  if (found[0] && allowFallback) return found[0];
  if (found[0]) throw new WebgpuUnavailable(fallbackReason(found[0].info));
  throw new WebgpuUnavailable(noAdapterReason(probes));
}

/** tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram. */
const MATMUL_PACKED = 3;

let probed: Promise<ProbeResult[]> | null = null;
let created: Promise<WebgpuAdapter> | null = null;

/**
 * Probes (once per process), creates Dawn on the chosen route in this process (once: later
 * calls reuse the device), registers tfjs's webgpu backend and makes it current, with
 * WEBGPU_CPU_FORWARD off so every op runs on the adapter (tests on llvmpipe exercise the GPU
 * kernels, not tfjs's CPU shortcuts for small tensors).
 */
export async function initWebgpu(allowFallback: boolean): Promise<WebgpuAdapter> {
  if (!created) {
    const dawnUrl = resolveOptional('webgpu');
    const tfWebgpuUrl = resolveOptional('@tensorflow/tfjs-backend-webgpu');
    probed ??= probeAdapters(dawnUrl).catch((e: Error) => {
      throw new WebgpuUnavailable(e.message);
    });
    const chosen = chooseAdapter(await probed, allowFallback);
    created ??= createDawn(dawnUrl, tfWebgpuUrl, chosen);
    const a = await created;
    return activate({ ...a, dawnWarnings: chosen.warnings });
  }
  const a = await created;
  if (a.fallback && !allowFallback) throw new WebgpuUnavailable(fallbackReason(a.info));
  return activate(a);
}

async function activate(a: WebgpuAdapter): Promise<WebgpuAdapter> {
  if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable(`tfjs's webgpu backend failed to initialise on ${a.name}`);
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  // On llvmpipe tfjs's shape-based choice (split-K / small-output matmuls for batch-32 dense
  // layers) ran 784x256 products ~7x slower than its packed tiled program (240 vs 34 ms,
  // measured); real GPUs keep tfjs's choice (-1).
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', a.fallback ? MATMUL_PACKED : -1);
  return a;
}

async function createDawn(dawnUrl: string, tfWebgpuUrl: string, chosen: ReturnType<typeof chooseAdapter>): Promise<WebgpuAdapter> {
  if (tf.findBackendFactory('webgpu')) throw new WebgpuUnavailable('a webgpu backend was registered by someone else; gc-run must create its own');
  for (const [k, v] of Object.entries(chosen.route.env)) process.env[k] ??= v;
  const dawn = (await import(dawnUrl)) as DawnModule;
  // GPUBufferUsage, GPUMapMode, … : browser globals tfjs's kernels use.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = dawn.create(chosen.route.flags);
  const adapter = await gpu.requestAdapter(chosen.route.options);
  if (!adapter) throw new WebgpuUnavailable(`${chosen.route.name}: the adapter the probe found (${adapterName(chosen.info)}) is gone`);
  const shim = {
    // tfjs asks once, with its own power preference; the adapter is the one chosen above.
    requestAdapter: async () => adapter,
    getPreferredCanvasFormat: () => 'rgba8unorm',
    get wgslLanguageFeatures() {
      return (gpu as { wgslLanguageFeatures?: unknown }).wgslLanguageFeatures;
    },
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: shim, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true, writable: true });
  await import(tfWebgpuUrl);
  if (!tf.findBackendFactory('webgpu')) throw new WebgpuUnavailable('the tfjs webgpu module did not register its backend');
  return { route: chosen.route.name, name: adapterName(adapter.info), fallback: chosen.fallback, info: chosen.info, dawnWarnings: [] };
}
