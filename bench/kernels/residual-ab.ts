/**
 * Same-process, interleaved A/B of the residual join at the resblock's shape ([128, 32, 32, 64]):
 * A = tf ops (Add, Relu [, Mean]) and their autodiff, B = the fused ops of
 * src/backend/ops/residual.ts. Times the forward alone and forward + backward (gradients
 * wrt both inputs for a random output gradient r), pooled and not, medians over alternating repetitions.
 * Usage: node dist/bench/kernels/residual-ab.js [--reps 15] [--shape 128,32,32,64]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { addRelu, addReluMean } from '../../src/backend/ops/residual.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

type Join = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

async function main(): Promise<void> {
  const reps = Number(arg('reps', '15'));
  const shape = arg('shape', '128,32,32,64').split(',').map(Number);
  await tf.setBackend('wasm');
  registerWasmKernels();
  const a = tf.randomNormal(shape, 0, 1, 'float32', 1);
  const b = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const cases: [string, Join, Join][] = [
    ['relu(a+b)', (p, q) => tf.relu(tf.add(p, q)), addRelu],
    ['mean(relu(a+b))', (p, q) => tf.mean(tf.relu(tf.add(p, q)), [1, 2]), addReluMean],
  ];
  for (const [name, plain, fused] of cases) {
    const r = tf.tidy(() => tf.randomNormal(plain(a, b).shape, 0, 1, 'float32', 3));
    // wasm kernels run synchronously: no read-back needed (and none timed).
    const fwd = (f: Join) => () => tf.tidy(() => {
      f(a, b);
    });
    const both = (f: Join) => () => tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => f(p, q))([a, b], r));
    for (const [what, mk] of [['forward', fwd], ['forward+backward', both]] as const) {
      const fns = [mk(plain), mk(fused)];
      fns.forEach((fn) => fn()); // warm-up
      const t: number[][] = [[], []];
      for (let i = 0; i < reps; i++) {
        for (const k of i % 2 ? [1, 0] : [0, 1]) {
          const t0 = performance.now();
          fns[k]();
          t[k].push(performance.now() - t0);
        }
      }
      console.log(`${name.padEnd(16)} ${what.padEnd(17)} tf ops ${median(t[0]).toFixed(2).padStart(7)} ms   fused ${median(t[1]).toFixed(2).padStart(7)} ms`);
    }
    r.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
