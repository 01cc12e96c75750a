/**
 * Same-process A/B of gc-run's elementwise work on wasm (the machine is shared and noisy, so
 * alternating configurations in one process is the only fair comparison): training step time
 * with (a) the stock wasm elementwise/unary/Identity/Cast/FusedBatchNorm kernels and tfjs-core's
 * FusedBatchNorm/Mean/Relu gradients, (b) our kernels with the original gradients, (c) our kernels
 * and our gradients. Everything else (convs, Sum/Mean, Tile, Transpose) is ours in all three.
 * With --gc, also the exact GC of 256 examples (batch --gc-batch, default 64) per configuration.
 * Usage: node dist/bench/ab-elementwise.js [--models resblock,cnn] [--rounds 3] [--steps 2] [--gc] [--gc-batch 64]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/backend/wasm-kernels/index.js';
import { stockKernel } from '../src/backend/wasm-kernels/kernel-call.js';
import { BINARY_KERNELS } from '../src/backend/wasm-kernels/elementwise.js';
import { UNARY_KERNELS } from '../src/backend/wasm-kernels/unary.js';
import { originalGradient } from '../src/backend/wasm-kernels/norm-grads.js';
import { originalReluGradient } from '../src/backend/wasm-kernels/relu-grad.js';
import { geometricComplexity } from '../src/metrics/gc.js';
import { Rng } from '../src/rng/rng.js';
import { measureTraining } from './train-step.js';
import { buildReferenceModel, INPUT_SHAPE, type ReferenceModel } from './reference-models.js';

/** Milliseconds of the exact GC of 256 Gaussian examples in batches of `batch` (after a warm-up batch). */
async function gcMs(name: ReferenceModel, batch: number): Promise<number> {
  const model = buildReferenceModel(name, 0);
  const rng = Rng.derive(0, `gc-${name}`);
  const x = tf.tensor4d(new Float32Array(256 * INPUT_SHAPE[name].reduce((p, d) => p * d, 1)).map(() => rng.normal()), [256, ...INPUT_SHAPE[name]]);
  const f = (z: tf.Tensor) => model.apply(z, { training: false }) as tf.Tensor2D;
  const warm = tf.slice(x, 0, batch);
  await geometricComplexity(f, warm, 10, batch);
  const t0 = performance.now();
  await geometricComplexity(f, x, 10, batch);
  const dt = performance.now() - t0;
  tf.dispose([x, warm]);
  model.dispose();
  return dt;
}

const KERNELS = [...BINARY_KERNELS.map(([n]) => n), ...UNARY_KERNELS.map(([n]) => n), 'FusedBatchNorm'];
const GRADS = ['FusedBatchNorm', 'Mean', 'Relu'] as const;
const original = (n: (typeof GRADS)[number]) => (n === 'Relu' ? originalReluGradient() : originalGradient(n))!;

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
    ['stock kernels + tfjs grads', () => { swapKernels(KERNELS, (n) => stockKernel(n)!); swapGradients(GRADS.map(original)); }, () => { swapKernels(KERNELS, (n) => ours[KERNELS.indexOf(n)]); swapGradients(ourGrads); }],
    ['our kernels + tfjs grads', () => { swapGradients(GRADS.map(original)); }, () => { swapGradients(ourGrads); }],
    ['our kernels + our grads', () => {}, () => {}],
  ];
  for (const m of models) {
    const times = new Map<string, number[]>(configs.map(([k]) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [label, on, off] of configs) {
        on();
        times.get(label)!.push(measureTraining(m, { steps, warmup: 1 }).medianStepMs);
        if (argv.includes('--gc')) {
          if (!times.has(`${label} GC`)) times.set(`${label} GC`, []);
          times.get(`${label} GC`)!.push(await gcMs(m, Number(opt('--gc-batch', '64'))));
        }
        off();
      }
    }
    console.log(`\n${m} (training: median of ${rounds} rounds x ${steps} steps, batch 128; GC: 256 examples):`);
    for (const [label, ts] of times) {
      const sorted = [...ts].sort((a, b) => a - b);
      console.log(`  ${label.padEnd(32)} ${sorted[sorted.length >> 1].toFixed(1).padStart(8)} ms   [${ts.map((t) => t.toFixed(0)).join(', ')}]`);
    }
  }
}

await main();
