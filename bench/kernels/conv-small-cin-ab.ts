/**
 * Same-process interleaved A/B of small-Cin convs: stock XNNPACK (A) against our direct SIMD conv
 * (B, wasm/conv-small-cin.ts), through the registered Conv2D / FusedConv2D kernels.
 * Usage: node dist/bench/kernels/conv-small-cin-ab.js [--reps 9]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { setSmallCinEnabled } from '../../src/backend/wasm/tuning.js';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

// [label, x shape, filter shape, stride, pad, fused (bias + relu)]
const SHAPES: [string, number[], number[], number, 'same' | 'valid', boolean][] = [
  ['cnn conv1 128x28x28x1 3x3 1->32 valid', [128, 28, 28, 1], [3, 3, 1, 32], 1, 'valid', false],
  ['cnn conv1 fused relu', [128, 28, 28, 1], [3, 3, 1, 32], 1, 'valid', true],
  ['resblock stem 128x32x32x3 3x3 3->64 same', [128, 32, 32, 3], [3, 3, 3, 64], 1, 'same', false],
  ['3->64 fused relu', [128, 32, 32, 3], [3, 3, 3, 64], 1, 'same', true],
  ['3->16 same', [128, 32, 32, 3], [3, 3, 3, 16], 1, 'same', false],
  ['3->64 stride 2', [128, 32, 32, 3], [3, 3, 3, 64], 2, 'same', false],
  ['3->64 5x5', [128, 32, 32, 3], [5, 5, 3, 64], 1, 'same', false],
  ['4->64 same', [128, 32, 32, 4], [3, 3, 4, 64], 1, 'same', false],
  ['4->4 same', [128, 32, 32, 4], [3, 3, 4, 4], 1, 'same', false],
  ['1->8 valid', [128, 28, 28, 1], [3, 3, 1, 8], 1, 'valid', false],
  ['3->64 batch 32', [32, 32, 32, 3], [3, 3, 3, 64], 1, 'same', false],
];

async function main(): Promise<void> {
  const i = process.argv.indexOf('--reps');
  const reps = i >= 0 ? Number(process.argv[i + 1]) : 9;
  await tf.setBackend('wasm');
  registerWasmKernels();
  for (const [label, xs, fs, s, pad, fused] of SHAPES) {
    const x = tf.randomNormal(xs as [number, number, number, number]) as tf.Tensor4D, f = tf.randomNormal(fs as [number, number, number, number]) as tf.Tensor4D, b = tf.randomNormal([fs[3]]) as tf.Tensor1D;
    const run = () => (fused ? tf.fused.conv2d({ x, filter: f, strides: s, pad, bias: b, activation: 'relu' }) : tf.conv2d(x, f, s, pad));
    const ts: Record<'A' | 'B', number[]> = { A: [], B: [] };
    for (let r = -1; r < reps; r++) {
      for (const k of ['A', 'B'] as const) {
        setSmallCinEnabled(k === 'B');
        const t0 = performance.now();
        // The wasm kernels are synchronous: no dataSync (its 10-30 MB copy would dominate).
        const y = run();
        const dt = performance.now() - t0;
        y.dispose();
        if (r >= 0) ts[k].push(dt);
      }
    }
    setSmallCinEnabled(true);
    const y = run();
    const flops = 2 * y.size * fs[0] * fs[1] * fs[2];
    y.dispose();
    const a = median(ts.A), bm = median(ts.B);
    console.log(`${label.padEnd(44)} stock ${a.toFixed(2).padStart(7)} ms (${(flops / a / 1e6).toFixed(1)} GF/s)  ours ${bm.toFixed(2).padStart(7)} ms (${(flops / bm / 1e6).toFixed(1)} GF/s)  x${(a / bm).toFixed(2)}`);
    tf.dispose([x, f, b]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
