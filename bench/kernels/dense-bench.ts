/**
 * Our dense GEMM (src/backend/wasm/matmul.ts, assembly/dense.ts) against the stock wasm kernel
 * (XNNPACK, transposes made explicit as before) on the products of MLP training and exact GC,
 * with GFLOP/s (fastest of --reps, interleaved), and the engine's measured multiply-add peak (assembly/dense.ts maddPeak: 128-bit
 * SIMD, one core) for the build this process loaded.
 * Usage: node dist/bench/kernels/dense-bench.js [--reps 25]
 *        GC_RUN_RELAXED_SIMD=0 node dist/bench/kernels/dense-bench.js   (the baseline build: no FMA)
 */
import { parseArgs } from 'node:util';
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../src/backend/select.js';
import { simd, simdBuild } from '../../src/backend/simd.js';
import { stockKernel } from '../../src/backend/kernel-call.js';
import { Rng } from '../../src/rng/rng.js';

/** [label, m, k, n, transposeA, transposeB] as tf.matMul sees them. */
const CASES: [string, number, number, number, boolean, boolean][] = [
  ['lr-sweep fwd x.W1', 32, 784, 256, false, false],
  ['lr-sweep dX = dY.W2^T', 32, 256, 256, false, true],
  ['lr-sweep dW1 = X^T.dY', 784, 32, 256, true, false],
  ['GC rows 320: V.W1^T', 320, 256, 784, false, true],
  ['GC rows 320: V.W2^T', 320, 256, 256, false, true],
  ['mlp b128 fwd x.W1', 128, 784, 512, false, false],
  ['mlp b128 dW2 = H^T.dY', 512, 128, 512, true, false],
  ['mlp b128 dX = dY.W1^T', 128, 512, 784, false, true],
];

function randn(shape: number[], label: string): tf.Tensor {
  const rng = Rng.derive(0, label);
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
}

/** Fastest repetition: on this shared, loaded machine the least-disturbed run is the most repeatable figure. */
function best(v: number[]): number {
  return Math.min(...v);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '25' } } });
  const reps = Number(values.reps);
  await selectBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const k = simd(backend);
  // Peak: 12 independent madd chains on registers.
  const iters = 2_000_000;
  k.maddPeak(1000, 0.5);
  const peaks: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    k.maddPeak(iters, 0.5);
    peaks.push((iters * 12 * 8) / ((performance.now() - t0) * 1e6));
  }
  const peak = Math.max(...peaks);
  console.log(`build: ${simdBuild()} (${simdBuild() === 'relaxed' ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add'}); measured madd peak ${peak.toFixed(1)} GFLOP/s (best of 5)`);
  console.log('| product | m x k x n | stock ms | ours ms | ours GFLOP/s | % of peak | max rel diff |');
  console.log('|---|---|---|---|---|---|---|');
  const stock = stockKernel('BatchMatMul')!;
  for (const [label, m, kk, n, ta, tb] of CASES) {
    const a = randn(ta ? [kk, m] : [m, kk], 'a');
    const b = randn(tb ? [n, kk] : [kk, n], 'b');
    const ours = () => tf.matMul(a, b, ta, tb);
    const theirs = () =>
      tf.tidy(() => {
        const a2 = ta ? tf.transpose(a) : a;
        const b2 = tb ? tf.transpose(b) : b;
        const info = stock.kernelFunc({ inputs: { a: tf.reshape(a2, [1, m, kk]), b: tf.reshape(b2, [1, kk, n]) }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
        return tf.engine().makeTensorFromTensorInfo(info);
      });
    const time = (f: () => tf.Tensor) => {
      const t0 = performance.now();
      // The wasm backend runs kernels synchronously: no read-back (it would time a copy of the output).
      const y = f();
      const ms = performance.now() - t0;
      y.dispose();
      return ms;
    };
    const to: number[] = [], ts: number[] = [];
    for (let r = 0; r < reps + 2; r++) {
      const o = time(ours), s = time(theirs);
      if (r >= 2) {
        to.push(o);
        ts.push(s);
      }
    }
    const yo = ours(), ys = tf.reshape(theirs(), [m, n]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(yo, ys))).dataSync()[0] / tf.max(tf.abs(ys)).dataSync()[0]);
    tf.dispose([yo, ys, a, b]);
    const mo = best(to), gf = (2 * m * kk * n) / (mo * 1e6);
    console.log(`| ${label} | ${m}x${kk}x${n} | ${best(ts).toFixed(3)} | ${mo.toFixed(3)} | ${gf.toFixed(1)} | ${((gf / peak) * 100).toFixed(0)}% | ${diff.toExponential(1)} |`);
  }
}

await main();
