/**
 * Same-process, interleaved A/B of two builds of kernels.wasm on the batch-norm training kernels
 * (raw wasm calls on tfjs memory): bnMoments, batchNormRows (floor 0 and -Infinity), bnGradSums
 * (relu flag off and on), channelAffine (one and two inputs), channelAffineRelu. Shapes [m, c]: the
 * resblock's full-size [131072, 64] (33.5 MB per tensor, larger than L3) and an odd [1000, 37].
 * Prints per kernel the median ms of A and B, B's effective bandwidth (bytes read + written / time;
 * compare with a plain copy of the same size, printed first) and the max |A - B| of the outputs,
 * relative to the largest |A| (0 when B keeps A's order of operations).
 * Build A from the old sources, e.g.: git stash; npm run build; cp dist/src/backend/kernels.wasm /tmp/A.wasm
 * Builds with fewer parameters than these signatures ignore the extra (scratch) arguments. Builds
 * from before the relu flag (their own bnReluGradSums, a 7-argument bnGradSums) are called through
 * those two functions, so old and new sources compare on the same tasks.
 * Usage: node dist/bench/kernels/bn-kernels-bench.js A.wasm [B.wasm (default: the built kernels.wasm)] [--reps 15] [--only name]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendMemory, instantiateBuild, ptr, SIMD_WASM_PATH } from '../../src/backend/simd.js';

interface Kernels {
  bnMoments(m: number, c: number, x: number, acc: number, mean: number, variance: number): void;
  batchNormRows(m: number, c: number, x: number, mean: number, mul: number, offset: number, floor: number, out: number): void;
  bnGradSums(m: number, c: number, dy: number, x: number, mean: number, mul: number, offset: number, relu: number, out: number, scratch: number): void;
  /** Builds before the relu flag only: then bnGradSums is (m, c, dy, x, mean, out, scratch). */
  bnReluGradSums?(m: number, c: number, dy: number, x: number, mean: number, mul: number, offset: number, out: number, scratch: number): void;
  channelAffine(m: number, c: number, p: number, a: number, q: number, b: number, t: number, hasQ: number, out: number): void;
  channelAffineRelu(m: number, c: number, p: number, a: number, q: number, b: number, t: number, mean: number, mul: number, offset: number, out: number): void;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/** bnGradSums with a relu flag on either kind of build (see the header). */
function gradSums(k: Kernels, m: number, c: number, dy: number, x: number, mean: number, mul: number, off: number, relu: number, out: number, scratch: number): void {
  if (!k.bnReluGradSums) k.bnGradSums(m, c, dy, x, mean, mul, off, relu, out, scratch);
  else if (relu) k.bnReluGradSums(m, c, dy, x, mean, mul, off, out, scratch);
  else (k.bnGradSums as unknown as (...a: number[]) => void)(m, c, dy, x, mean, out, scratch);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function main(): Promise<void> {
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (files.length < 1) throw new Error('usage: bn-kernels-bench.js A.wasm [B.wasm] [--reps N] [--only name]');
  const fileA = files[0], fileB = files[1] ?? SIMD_WASM_PATH;
  const reps = Number(arg('reps', '15'));
  const only = arg('only', '');
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const memory = backendMemory(backend);
  const load = (f: string | URL) => instantiateBuild(backend, f) as unknown as Kernels;
  const builds = { A: load(fileA), B: load(fileB) };
  console.log('kernel                 shape         A ms     B ms   A/B    B GB/s  max|A-B|/max|A|');
  for (const [m, c] of [[131072, 64], [1000, 37]]) {
    const t = (shape: number[], mean = 0) => tf.keep(tf.add(tf.randomNormal(shape), mean)) as unknown as tf.TensorInfo;
    // x has a non-zero mean so the moments' shift matters; mul, offset straddle 0 so relu masks are mixed.
    const x = t([m, c], 3), dy = t([m, c]), p = t([m, c]);
    const mean = t([c], 3), mul = t([c]), off = t([c]), a = t([c]), b = t([c]), tt = t([c]);
    const acc = t([6 * c]);
    const outs = { A: t([m, c]), B: t([m, c]) };
    const at = (i: tf.TensorInfo) => ptr(backend, i);
    const full = 4 * m * c, small = 4 * c;
    // [name, bytes moved, output floats, call]
    const tasks: [string, number, number, (k: Kernels, o: number) => void][] = [
      ['copy (reference)', 2 * full, m * c, (_k, o) => new Uint8Array(memory.buffer).copyWithin(o, at(x), at(x) + full)],
      ['bnMoments', full, 2 * c, (k, o) => k.bnMoments(m, c, at(x), at(acc), o, o + small)],
      ['batchNormRows relu', 2 * full, m * c, (k, o) => k.batchNormRows(m, c, at(x), at(mean), at(mul), at(off), 0, o)],
      ['batchNormRows', 2 * full, m * c, (k, o) => k.batchNormRows(m, c, at(x), at(mean), at(mul), at(off), -Infinity, o)],
      ['bnGradSums', 2 * full, 2 * c, (k, o) => gradSums(k, m, c, at(dy), at(x), at(mean), at(mul), at(off), 0, o, at(acc))],
      ['bnGradSums relu', 2 * full, 2 * c, (k, o) => gradSums(k, m, c, at(dy), at(x), at(mean), at(mul), at(off), 1, o, at(acc))],
      ['channelAffine 1', 2 * full, m * c, (k, o) => k.channelAffine(m, c, at(p), at(a), at(p), at(b), at(tt), 0, o)],
      ['channelAffine 2', 3 * full, m * c, (k, o) => k.channelAffine(m, c, at(p), at(a), at(x), at(b), at(tt), 1, o)],
      ['channelAffineRelu', 3 * full, m * c, (k, o) => k.channelAffineRelu(m, c, at(p), at(a), at(x), at(b), at(tt), at(mean), at(mul), at(off), o)],
    ];
    for (const [name, bytes, nOut, f] of tasks) {
      if (only && !name.startsWith(only)) continue;
      const ts: Record<'A' | 'B', number[]> = { A: [], B: [] };
      const heap = () => new Float32Array(memory.buffer);
      const result = (v: 'A' | 'B') => heap().slice(at(outs[v]) >> 2, (at(outs[v]) >> 2) + nOut);
      f(builds.A, at(outs.A));
      f(builds.B, at(outs.B));
      const ra = result('A'), rb = result('B');
      let diff = 0, scale = 0;
      for (let i = 0; i < nOut; i++) {
        diff = Math.max(diff, Math.abs(ra[i] - rb[i]) || (Object.is(ra[i], rb[i]) ? 0 : Infinity));
        scale = Math.max(scale, Math.abs(ra[i]));
      }
      for (let r = 0; r < reps; r++) {
        for (const v of r & 1 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
          const t0 = performance.now();
          f(builds[v], at(outs[v]));
          ts[v].push(performance.now() - t0);
        }
      }
      const ma = median(ts.A), mb = median(ts.B);
      console.log(`${name.padEnd(22)} ${`[${m},${c}]`.padEnd(12)} ${ma.toFixed(3).padStart(7)}  ${mb.toFixed(3).padStart(7)}  ${(ma / mb).toFixed(2)}  ${(bytes / mb / 1e6).toFixed(1).padStart(6)}  ${(diff / (scale || 1)).toExponential(1)}`);
    }
    for (const i of [x, dy, p, mean, mul, off, a, b, tt, acc, outs.A, outs.B]) (i as unknown as tf.Tensor).dispose();
  }
}

await main();
