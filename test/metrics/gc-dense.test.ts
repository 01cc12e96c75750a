import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { selectBackend } from '../../src/backend/select.js';
import { geometricComplexity, jacobianSqNorms, jacobianStrategyFor, type LogitsFn } from '../../src/metrics/gc.js';
import { DenseJacobian } from '../../src/metrics/gc-dense.js';
import { relDiff, useBackend } from '../helpers/tf.js';

type Act = 'relu' | 'tanh' | 'sigmoid' | 'linear';

/** A seeded MLP on [6, 5, 1] inputs: flatten, dense `widths` with `act`, dense `classes`. */
function mlp(widths: number[], act: Act, classes: number, seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed * 10 + i + 1 });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [6, 5, 1] }),
      ...widths.map((w, i) => tf.layers.dense({ units: w, activation: act, kernelInitializer: init(i), biasInitializer: tf.initializers.randomNormal({ seed: seed * 10 + 9 }) })),
      tf.layers.dense({ units: classes, kernelInitializer: init(8) }),
    ],
  });
}

// Widths below and above the 30 inputs (Gram matrix used or not), no hidden layer, depth 3.
const CASES: [number[], Act, number][] = [
  [[20, 12], 'relu', 4],
  [[40, 50], 'relu', 7],
  [[16], 'tanh', 3],
  [[8, 9, 10], 'sigmoid', 5],
  [[25], 'linear', 6],
  [[], 'relu', 4],
];

for (const backend of ['cpu', 'wasm'] as const) {
  test(`dense strategy equals one backward pass per class (replay) on random MLPs to 1e-5 (${backend})`, async () => {
    if (backend === 'wasm') await selectBackend('wasm');
    else await useBackend('cpu');
    for (const [i, [widths, act, classes]] of CASES.entries()) {
      const model = mlp(widths, act, classes, i + 1);
      const f: LogitsFn = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
      const x = tf.randomNormal([9, 6, 5, 1], 0, 1, 'float32', 100 + i);
      const before = tf.memory().numTensors;
      const dense = new DenseJacobian();
      assert.equal(dense.sqNorms(x, classes), null, 'nothing before the chain is verified');
      assert.ok(await dense.verify(f, x, classes), `${widths} ${act}: verified as a dense chain`);
      const ours = dense.sqNorms(x, classes);
      assert.ok(ours, `${widths} ${act}: recognised as a dense chain`);
      const ref = jacobianSqNorms(f, x, classes, 'replay');
      const a = ours!.dataSync(), b = ref.dataSync();
      a.forEach((v, j) => assert.ok(relDiff(v, b[j]) < 1e-5, `${widths} ${act} example ${j}: ${v} vs ${b[j]}`));
      tf.dispose([ours!, ref]);
      dense.dispose();
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      tf.dispose(x);
      model.dispose();
    }
  });
}

test('GC with the dense strategy (Gram matrix kept across batches) equals replay; memory flat; mlp uses it', async () => {
  await selectBackend('wasm');
  assert.equal(jacobianStrategyFor('mlp'), 'dense');
  const model = mlp([48, 32], 'relu', 10, 7);
  const f: LogitsFn = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
  const x = tf.randomNormal([50, 6, 5, 1], 0, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const a = await geometricComplexity(f, x, 10, 16, 'dense');
  const b = await geometricComplexity(f, x, 10, 16, 'replay');
  assert.ok(relDiff(a, b) < 1e-5, `${a} vs ${b}`);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(x);
  model.dispose();
});

test('dense strategy falls back (same numbers) for models that are not dense chains and inside gradients', async () => {
  await selectBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 5, 1], filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.heNormal({ seed: 4 }) }),
    ],
  });
  const f: LogitsFn = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
  const x = tf.randomNormal([5, 6, 5, 1], 0, 1, 'float32', 5);
  const dense = new DenseJacobian();
  assert.equal(await dense.verify(f, x, 4), false, 'a convnet is not a dense chain');
  assert.equal(dense.sqNorms(x, 4), null);
  const a = jacobianSqNorms(f, x, 4, 'dense'), b = jacobianSqNorms(f, x, 4, 'replay');
  a.dataSync().forEach((v, j) => assert.ok(relDiff(v, b.dataSync()[j]) < 1e-5));
  // Inside a gradient computation (explicit GC penalty) it must stay differentiable: replicate.
  const m2 = mlp([12], 'relu', 3, 2);
  const g = (xi: tf.Tensor) => m2.apply(xi, { training: false }) as tf.Tensor2D;
  const vars = m2.trainableWeights.map((w) => w.read() as tf.Variable).slice(0, 1);
  const grads = ['dense', 'replay'].map((s) => {
    const { value, grads: gr } = tf.variableGrads(() => tf.mean(jacobianSqNorms(g, x, 3, s as 'dense')) as tf.Scalar, vars);
    value.dispose();
    return gr[vars[0].name];
  });
  const [ga, gb] = grads.map((t) => t.dataSync());
  ga.forEach((v, j) => assert.ok(Math.abs(v - gb[j]) <= 1e-4 * Math.max(1, Math.abs(v))));
  tf.dispose([a, b, x, ...grads]);
  model.dispose();
  m2.dispose();
});
