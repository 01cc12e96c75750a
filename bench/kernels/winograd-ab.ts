/**
 * Same-process, interleaved A/B of two builds of kernels.wasm on the Winograd kernels (raw wasm
 * calls, resblock shape: batch 128, 32x32, 64->64, 'same'): the forward conv (winogradConv3x3,
 * which the input gradient also runs) and the filter gradient (filterGradWinograd). Both builds
 * must export the same signatures. The machine is shared, so separate processes' timings are
 * too noisy to compare; here A and B alternate within one process and medians are compared.
 * Build B, e.g.: asc <copy of src/backend/wasm/assembly>/index.ts <flags of npm run build:simd> -o /tmp/B.wasm
 * Usage: node dist/bench/kernels/winograd-ab.js A.wasm B.wasm [--reps 9] [--only fwd|dw]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { instantiateBuild, ptr } from '../../src/backend/simd.js';

interface Kernels {
  winogradScratchFloats(cin: number, cout: number, chunk: number, ow: number): number;
  winogradConv3x3(x: number, n: number, h: number, w: number, cin: number, u: number, cout: number, bias: number, relu: number,
    y: number, oh: number, ow: number, padTop: number, padLeft: number, scratch: number, chunk: number): void;
  filterGradVScratchFloats(cin: number, cout: number, tc: number, ow: number): number;
  filterGradWinograd(x: number, dy: number, dw: number, du: number, vs: number, ms: number, n: number, h: number, w: number,
    oh: number, ow: number, pt: number, pl: number, cin: number, cout: number, tc: number): void;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main(): Promise<void> {
  const [fileA, fileB] = process.argv.slice(2, 4);
  if (!fileA || !fileB || fileA.startsWith('--')) throw new Error('usage: winograd-ab.js A.wasm B.wasm [--reps N] [--only fwd|dw]');
  const reps = Number(arg('reps', '9'));
  const only = arg('only', '');
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const load = (f: string | URL) => instantiateBuild(backend, f) as unknown as Kernels;
  const builds: Record<'A' | 'B', Kernels> = { A: load(fileA), B: load(fileB) };
  const n = 128, hw = 32, ci = 64, co = 64, chunk = 96, tc = 64;
  const t = (shape: number[]) => tf.randomNormal(shape) as unknown as tf.TensorInfo;
  const x = t([n, hw, hw, ci]), dy = t([n, hw, hw, co]), u = t([36 * ci * co]);
  const scratch = t([Math.max(builds.A.winogradScratchFloats(ci, co, chunk, hw), builds.B.winogradScratchFloats(ci, co, chunk, hw))]);
  const y = t([n, hw, hw, co]), dw = t([3, 3, ci, co]), du = t([36, ci, co]);
  const vs = t([Math.max(builds.A.filterGradVScratchFloats(ci, co, tc, hw), builds.B.filterGradVScratchFloats(ci, co, tc, hw))]), ms = t([36 * (tc * co + 16)]);
  const p = (i: tf.TensorInfo) => ptr(backend, i);
  const tasks: Record<string, (k: Kernels) => void> = {
    fwd: (k) => k.winogradConv3x3(p(x), n, hw, hw, ci, p(u), co, 0, 1, p(y), hw, hw, 1, 1, p(scratch), chunk),
    dw: (k) => k.filterGradWinograd(p(x), p(dy), p(dw), p(du), p(vs), p(ms), n, hw, hw, hw, hw, 1, 1, ci, co, tc),
  };
  for (const [name, f] of Object.entries(tasks)) {
    if (only && only !== name) continue;
    const ts: Record<'A' | 'B', number[]> = { A: [], B: [] };
    f(builds.A);
    f(builds.B);
    for (let r = 0; r < reps; r++) {
      for (const v of r & 1 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
        const t0 = performance.now();
        f(builds[v]);
        ts[v].push(performance.now() - t0);
      }
    }
    const a = median(ts.A), b = median(ts.B);
    console.log(`${name}: A ${a.toFixed(1)} ms  B ${b.toFixed(1)} ms  A/B x${(a / b).toFixed(3)}`);
  }
}

await main();
