/**
 * Per-kernel time profile of reference-model training steps and exact GC on wasm (our kernels):
 * every registered wasm kernel is wrapped with a timer; nested calls (composites calling other
 * kernels by name) count towards their own kernel's self time only.
 * Usage: node dist/bench/kernels/kernel-profile.js [--models cnn,resblock] [--steps N] [--gc] [--gc-batch 32,64] [--gc-strategy replay|stacked|replicate] [--top K] [--by-shape Conv2D,Transpose] [--no-profile]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { geometricComplexity, jacobianStrategyFor, type JacobianStrategy } from '../../src/metrics/gc.js';
import { Rng } from '../../src/rng/rng.js';
import { measureTraining } from '../train-step.js';
import { buildReferenceModel, INPUT_SHAPE, type ReferenceModel } from '../reference-models.js';

type Stat = { calls: number; self: number };
const stats = new Map<string, Stat>();
/** Time spent in nested kernel calls, per stack level, subtracted from the parent's self time. */
const childTime: number[] = [];
/** Kernels whose time is broken down by input shapes (--by-shape A,B). */
const byShape = new Set<string>();

function wrapAll(): void {
  const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
  for (const name of names) {
    const cfg = tf.getKernel(name, 'wasm')!;
    const inner = cfg.kernelFunc;
    const timed: tf.KernelFunc = (args) => {
      childTime.push(0);
      const t0 = performance.now();
      const out = inner(args);
      const dt = performance.now() - t0;
      const kids = childTime.pop()!;
      if (childTime.length > 0) childTime[childTime.length - 1] += dt;
      const key = byShape.has(name) ? `${name} ${Object.values(args.inputs).map((t) => (t as tf.TensorInfo).shape.join('x')).join(',')}` : name;
      const s = stats.get(key) ?? { calls: 0, self: 0 };
      s.calls++;
      s.self += dt - kids;
      stats.set(key, s);
      return out;
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...cfg, kernelFunc: timed });
  }
}

function report(title: string, per: number, top: number): void {
  const rows = [...stats.entries()].sort((a, b) => b[1].self - a[1].self).slice(0, top);
  const total = [...stats.values()].reduce((p, s) => p + s.self, 0);
  console.log(`\n${title}: kernel self time ${(total / per).toFixed(1)} ms per step`);
  for (const [k, s] of rows) console.log(`  ${k.padEnd(48)} ${(s.self / per).toFixed(1).padStart(8)} ms  ${(s.calls / per).toFixed(1).padStart(6)} calls`);
  stats.clear();
}

async function gcTime(name: ReferenceModel, batchSize: number, strategy: JacobianStrategy): Promise<number> {
  const model = buildReferenceModel(name, 0);
  const rng = Rng.derive(0, `gc-${name}`);
  const shape = INPUT_SHAPE[name];
  const x = tf.tensor4d(new Float32Array(256 * shape[0] * shape[1] * shape[2]).map(() => rng.normal()), [256, ...shape]);
  const f = (z: tf.Tensor) => model.apply(z, { training: false }) as tf.Tensor2D;
  await geometricComplexity(f, tf.slice(x, 0, batchSize), 10, batchSize, strategy); // warm-up
  stats.clear();
  const t0 = performance.now();
  await geometricComplexity(f, x, 10, batchSize, strategy);
  const dt = performance.now() - t0;
  x.dispose();
  model.dispose();
  return dt;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (k: string, d: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
  const models = opt('--models', 'cnn,resblock').split(',') as ReferenceModel[];
  const steps = Number(opt('--steps', '3'));
  const top = Number(opt('--top', '14'));
  await tf.setBackend('wasm');
  registerWasmKernels();
  for (const k of opt('--by-shape', '').split(',')) if (k) byShape.add(k);
  if (!argv.includes('--no-profile')) wrapAll();
  for (const m of models) {
    const s = await measureTraining(m, { steps, warmup: 1 });
    console.log(`\n${m}: median step ${s.medianStepMs.toFixed(1)} ms, ${s.examplesPerS.toFixed(1)} ex/s`);
    report(`${m} training (profile covers warm-up too)`, steps + 1, top);
    if (argv.includes('--gc')) {
      for (const bs of opt('--gc-batch', '32,64').split(',').map(Number)) {
        const strategy = (opt('--gc-strategy', '') || jacobianStrategyFor(m === 'mlp' ? 'mlp' : 'cnn')) as JacobianStrategy;
        const ms = await gcTime(m, bs, strategy);
        console.log(`\n${m}: exact GC of 256 examples, batch ${bs}, ${strategy}: ${(ms / 1000).toFixed(2)} s`);
        report(`${m} GC batch ${bs}`, 1, top);
      }
    }
  }
}

await main();
