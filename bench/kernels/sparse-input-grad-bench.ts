/**
 * Crossover of the sparse Conv2DBackpropInput kernel against the dense paths (Winograd /
 * matmul + col2im), on the cnn's GC shapes, by dy density. Same process, medians of repeats.
 * Usage: node dist/bench/kernels/sparse-input-grad-bench.js [--reps 5]
 */
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { sparseInputGradTuning } from '../../src/backend/wasm/tuning.js';
import { Rng } from '../../src/rng/rng.js';

const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 5;
// [dy shape, filter shape, input shape]: the cnn's two input gradients at GC batch 32 x 10 classes.
const SHAPES: [number[], number[], number[]][] = [
  [[320, 11, 11, 64], [3, 3, 32, 64], [320, 13, 13, 32]],
  [[320, 26, 26, 32], [3, 3, 1, 32], [320, 28, 28, 1]],
];

function dyOf(shape: number[], density: number): tf.Tensor {
  const rng = new Rng(7);
  const v = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (rng.uniform() < density ? rng.normal() : 0));
  return tf.tensor(v, shape);
}

function time(dy: tf.Tensor, filter: tf.Tensor, inputShape: number[]): number {
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    dx.dataSync();
    ts.push(performance.now() - t0);
    dx.dispose();
  }
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)];
}

await tf.setBackend('wasm');
registerWasmKernels();
for (const [dyShape, fShape, xShape] of SHAPES) {
  const filter = tf.randomNormal(fShape);
  for (const d of [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1]) {
    const dy = dyOf(dyShape, d);
    sparseInputGradTuning.enabled = false;
    const dense = time(dy, filter, xShape);
    sparseInputGradTuning.enabled = true;
    sparseInputGradTuning.maxDensity = sparseInputGradTuning.maxDensity1 = 2;
    const sparse = time(dy, filter, xShape);
    console.log(`dy ${dyShape.join('x')} -> ${xShape.join('x')} density ${d}: dense ${dense.toFixed(1)} ms, sparse ${sparse.toFixed(1)} ms`);
    dy.dispose();
  }
  filter.dispose();
}
