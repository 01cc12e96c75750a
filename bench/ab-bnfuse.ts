/**
 * Same-process A/B of the fused batch-norm gradient kernels (bn-fused.ts): training step time with
 * GcBnGradSums / GcMulScaled registered on wasm, and without them (the ops then fall back to
 * their tfjs-core expressions: Sum, Sub, Multiply, Sum; Multiply, Multiply), alternating rounds.
 * Usage: node dist/bench/ab-bnfuse.js [--models resblock,cnn] [--rounds 3] [--steps 2]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/backend/wasm-kernels/index.js';
import { BN_GRAD_SUMS, MUL_SCALED } from '../src/backend/wasm-kernels/bn-fused.js';
import { measureTraining } from './train-step.js';
import type { ReferenceModel } from './reference-models.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string, d: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
  const models = opt('--models', 'resblock,cnn').split(',') as ReferenceModel[];
  const rounds = Number(opt('--rounds', '3'));
  const steps = Number(opt('--steps', '2'));
  await tf.setBackend('wasm');
  registerWasmKernels();
  const fused = [BN_GRAD_SUMS, MUL_SCALED].map((n) => tf.getKernel(n, 'wasm')!);
  const configs: [string, () => void, () => void][] = [
    ['without fused kernels', () => fused.forEach((k) => tf.unregisterKernel(k.kernelName, 'wasm')), () => fused.forEach((k) => tf.registerKernel(k))],
    ['with fused kernels', () => {}, () => {}],
  ];
  for (const m of models) {
    const times = new Map<string, number[]>(configs.map(([k]) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [label, on, off] of configs) {
        on();
        times.get(label)!.push(measureTraining(m, { steps, warmup: 1 }).medianStepMs);
        off();
      }
    }
    console.log(`\n${m} (median of ${rounds} rounds x ${steps} steps, batch 128):`);
    for (const [label, ts] of times) {
      const sorted = [...ts].sort((a, b) => a - b);
      console.log(`  ${label.padEnd(24)} ${sorted[sorted.length >> 1].toFixed(1).padStart(8)} ms   [${ts.map((t) => t.toFixed(0)).join(', ')}]`);
    }
  }
}

await main();
