/**
 * Same-process A/B of gc-run's elementwise work on wasm (the machine is shared and noisy, so
 * alternating configurations in one process is the only fair comparison): training step time
 * with (a) the stock wasm elementwise/unary/Identity/Cast/FusedBatchNorm kernels and tfjs-core's
 * FusedBatchNorm/Mean gradients, (b) our kernels with the original gradients, (c) our kernels
 * and our gradients. Everything else (convs, Sum/Mean, Tile, Transpose) is ours in all three.
 * Usage: node dist/bench/ab-elementwise.js [--models resblock,cnn] [--rounds 3] [--steps 2]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/backend/wasm-kernels/index.js';
import { stockKernel } from '../src/backend/wasm-kernels/kernel-call.js';
import { BINARY_KERNELS } from '../src/backend/wasm-kernels/elementwise.js';
import { UNARY_KERNELS } from '../src/backend/wasm-kernels/unary.js';
import { originalGradient } from '../src/backend/wasm-kernels/norm-grads.js';
import { measureTraining } from './train-step.js';
import type { ReferenceModel } from './reference-models.js';

const KERNELS = [...BINARY_KERNELS.map(([n]) => n), ...UNARY_KERNELS.map(([n]) => n), 'FusedBatchNorm'];
const GRADS = ['FusedBatchNorm', 'Mean'] as const;

/** Swaps the registered wasm kernels `names` with `replacement(name)`, returning the previous configs. */
function swapKernels(names: string[], replacement: (name: string) => tf.KernelConfig): tf.KernelConfig[] {
  return names.map((name) => {
    const cur = tf.getKernel(name, 'wasm')!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...replacement(name), setupFunc: cur.setupFunc });
    return cur;
  });
}

function swapGradients(configs: tf.GradConfig[]): tf.GradConfig[] {
  return configs.map((g) => {
    const cur = tf.getGradient(g.kernelName)!;
    tf.unregisterGradient(g.kernelName);
    tf.registerGradient(g);
    return cur;
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string, d: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
  const models = opt('--models', 'resblock,cnn').split(',') as ReferenceModel[];
  const rounds = Number(opt('--rounds', '3'));
  const steps = Number(opt('--steps', '2'));
  await tf.setBackend('wasm');
  registerWasmKernels();
  const ours = KERNELS.map((n) => tf.getKernel(n, 'wasm')!);
  const ourGrads = GRADS.map((n) => tf.getGradient(n)!);
  const configs: [string, () => void, () => void][] = [
    ['stock kernels + tfjs grads', () => { swapKernels(KERNELS, (n) => stockKernel(n)!); swapGradients(GRADS.map((n) => originalGradient(n)!)); }, () => { swapKernels(KERNELS, (n) => ours[KERNELS.indexOf(n)]); swapGradients(ourGrads); }],
    ['our kernels + tfjs grads', () => { swapGradients(GRADS.map((n) => originalGradient(n)!)); }, () => { swapGradients(ourGrads); }],
    ['our kernels + our grads', () => {}, () => {}],
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
      console.log(`  ${label.padEnd(28)} ${sorted[sorted.length >> 1].toFixed(1).padStart(8)} ms   [${ts.map((t) => t.toFixed(0)).join(', ')}]`);
    }
  }
}

await main();
