/**
 * Same-process A/B of our Winograd 3x3 conv against the stock wasm Conv2D (XNNPACK) on the
 * reference models' shapes and a channel sweep (to find the crossover), plus the GEMM
 * micro-kernel's rate. Medians of --reps runs (the machine is shared: timings are noisy).
 * Usage: node dist/bench/kernels/winograd-bench.js [--reps 5] [--sweep] [--chunks 48,96,192] [--batch 128]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { stockKernel } from '../../src/backend/kernel-call.js';
import { setWinogradChunk } from '../../src/backend/wasm/tuning.js';
import { winogradConv } from '../../src/backend/wasm/winograd.js';
import { ptr, simd } from '../../src/backend/simd.js';
import { Rng } from '../../src/rng/rng.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const reps = Number(arg('reps', '5'));
const batch = Number(arg('batch', '128'));

function randn(shape: number[], label: string): tf.Tensor {
  const rng = Rng.derive(0, label);
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `f` (returns an output to free) after one warm-up. */
function time(backend: BackendWasm, f: () => tf.TensorInfo): number {
  backend.disposeData(f().dataId);
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = f();
    ts.push(performance.now() - t0);
    backend.disposeData(out.dataId);
  }
  return median(ts);
}

/** [label, x shape (batch first), cout, pad] */
type Shape = [string, number[], number, 'same' | 'valid' | number];

function compare(backend: BackendWasm, [label, xs, cout, pad]: Shape): void {
  const x = randn(xs, `x${label}`);
  const w = randn([3, 3, xs[3], cout], `w${label}`);
  const inputs = { x, filter: w } as unknown as tf.NamedTensorInfoMap;
  const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], [3, 3, xs[3], cout], 1, 1, pad as 'same');
  const stock = () => stockKernel('Conv2D')!.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
  const ours = () => winogradConv(backend, x as unknown as tf.TensorInfo, w as unknown as tf.TensorInfo, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth);
  // Accuracy against XNNPACK: max |diff| / max |ref|.
  const a = stock(), b = ours();
  const av = backend.typedArrayFromHeap(a) as Float32Array, bv = backend.typedArrayFromHeap(b) as Float32Array;
  let num = 0, den = 0;
  for (let i = 0; i < av.length; i++) {
    num = Math.max(num, Math.abs(av[i] - bv[i]));
    den = Math.max(den, Math.abs(av[i]));
  }
  backend.disposeData(a.dataId);
  backend.disposeData(b.dataId);
  const tS = time(backend, stock), tO = time(backend, ours);
  const flops = 2 * 9 * xs[0] * info.outHeight * info.outWidth * xs[3] * cout;
  console.log(`${label.padEnd(34)} stock ${tS.toFixed(1).padStart(7)} ms  winograd ${tO.toFixed(1).padStart(7)} ms  x${(tS / tO).toFixed(2)}  ` +
    `(direct-equiv ${(flops / tO / 1e6).toFixed(1)} GFLOP/s, rel err vs XNNPACK ${(num / den).toExponential(1)})`);
  tf.dispose([x, w]);
}

/** GFLOP/s of the bare GEMM kernel on [rows, k] x [k, np] (in-cache, repeated). */
function gemmRate(backend: BackendWasm, rows: number, k: number, np: number): void {
  const ex = simd(backend) as unknown as { gemmPanels(a: number, lda: number, b: number, k: number, c: number, ldc: number, rows: number, np: number): void };
  const a = randn([rows * k], 'ga'), b = randn([k * np], 'gb'), c = tf.zeros([rows * np]);
  const [pa, pb, pc] = [a, b, c].map((t) => ptr(backend, t as unknown as tf.TensorInfo));
  const iters = Math.ceil(2e9 / (2 * rows * k * np));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) ex.gemmPanels(pa, k, pb, k, pc, np, rows, np);
    ts.push(performance.now() - t0);
  }
  console.log(`GEMM [${rows},${k}]x[${k},${np}]: ${((2 * rows * k * np * iters) / median(ts) / 1e6).toFixed(1)} GFLOP/s`);
  tf.dispose([a, b, c]);
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  registerWasmKernels();
  const backend = tf.backend() as BackendWasm;
  gemmRate(backend, 96, 64, 64);
  gemmRate(backend, 96, 32, 64);
  const shapes: Shape[] = [
    ['resblock 32x32 64->64 same', [batch, 32, 32, 64], 64, 'same'],
    ['resblock stem 32x32 3->64 same', [batch, 32, 32, 3], 64, 'same'],
    ['cnn conv2 13x13 32->64 valid', [batch, 13, 13, 32], 64, 'valid'],
    ['cnn conv1 28x28 1->32 valid', [batch, 28, 28, 1], 32, 'valid'],
    ['cnn conv2 dx 11x11 64->32 pad2', [batch, 11, 11, 64], 32, 2],
  ];
  for (const c of arg('chunks', '').split(',').filter(Boolean)) {
    setWinogradChunk(Number(c));
    console.log(`-- chunk ${c}`);
    compare(backend, shapes[0]);
    compare(backend, shapes[2]);
  }
  if (arg('chunks', '')) return;
  for (const s of shapes) compare(backend, s);
  if (process.argv.includes('--sweep')) {
    for (const hw of [32, 13]) {
      for (const [ci, co] of [[3, 64], [64, 3], [64, 1], [4, 8], [8, 4], [4, 16], [8, 8], [8, 16], [16, 16], [16, 32], [32, 32], [64, 32], [64, 128]]) {
        compare(backend, [`sweep ${hw}x${hw} ${ci}->${co} same`, [batch, hw, hw, ci], co, 'same']);
      }
    }
  }
}

await main();
