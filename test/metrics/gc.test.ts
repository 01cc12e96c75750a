import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { geometricComplexity, jacobianSqNorms, type LogitsFn } from '../../src/metrics/gc.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';

function randn(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}

test('affine model: GC equals ||W||_F^2 exactly (any input, any batch size)', async () => {
  await useBackend('cpu');
  const rng = new Rng(1);
  const [d, c] = [12, 5];
  const wArr = randn(rng, d * c);
  const W = tf.tensor2d(Float32Array.from(wArr), [d, c]);
  const b = tf.tensor1d(Float32Array.from(randn(rng, c)));
  const f: LogitsFn = (x) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), W), b) as tf.Tensor2D;
  const x = tf.tensor4d(Float32Array.from(randn(rng, 7 * d)), [7, 3, 4, 1]);
  const expected = wArr.reduce((s, v) => s + Math.fround(v) ** 2, 0);
  for (const bs of [1, 3, 7]) {
    const gc = await geometricComplexity(f, x, c, bs);
    assert.ok(relDiff(gc, expected) < 1e-5, `batch ${bs}: GC ${gc} vs ||W||^2 ${expected}`);
  }
  tf.dispose([W, b, x]);
});

test('one-hidden-layer ReLU MLP: per-example Jacobian norms match a float64 central-difference Jacobian to 1e-3', async () => {
  await useBackend('cpu');
  const rng = new Rng(2);
  const [d, h, c, n] = [6, 9, 4, 5];
  const w1 = randn(rng, d * h, 0.7);
  const b1 = randn(rng, h, 0.3);
  const w2 = randn(rng, h * c, 0.7);
  const b2 = randn(rng, c, 0.3);
  const xs = randn(rng, n * d);
  // Independent oracle: the same network in float64 JavaScript.
  const forward = (x: Float64Array): Float64Array => {
    const hid = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = Math.fround(b1[j]);
      for (let i = 0; i < d; i++) s += x[i] * Math.fround(w1[i * h + j]);
      hid[j] = Math.max(0, s);
    }
    const out = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      let s = Math.fround(b2[k]);
      for (let j = 0; j < h; j++) s += hid[j] * Math.fround(w2[j * c + k]);
      out[k] = s;
    }
    return out;
  };
  const eps = 1e-5;
  const fd: number[] = [];
  for (let e = 0; e < n; e++) {
    const x = Float64Array.from(xs.subarray(e * d, (e + 1) * d), Math.fround);
    let sq = 0;
    for (let i = 0; i < d; i++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[i] += eps;
      xm[i] -= eps;
      const fp = forward(xp);
      const fm = forward(xm);
      for (let k = 0; k < c; k++) sq += ((fp[k] - fm[k]) / (2 * eps)) ** 2;
    }
    fd.push(sq);
  }
  const W1 = tf.tensor2d(Float32Array.from(w1), [d, h]);
  const B1 = tf.tensor1d(Float32Array.from(b1));
  const W2 = tf.tensor2d(Float32Array.from(w2), [h, c]);
  const B2 = tf.tensor1d(Float32Array.from(b2));
  const f: LogitsFn = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), B1)), W2), B2) as tf.Tensor2D;
  const x = tf.tensor2d(Float32Array.from(xs), [n, d]);
  const norms = jacobianSqNorms(f, x, c);
  const ours = Array.from(await norms.data());
  for (let e = 0; e < n; e++) assert.ok(relDiff(ours[e], fd[e]) < 1e-3, `example ${e}: ${ours[e]} vs FD ${fd[e]}`);
  const gc = await geometricComplexity(f, x, c, 2);
  const fdMean = fd.reduce((a, v) => a + v, 0) / n;
  assert.ok(relDiff(gc, fdMean) < 1e-3, `GC ${gc} vs FD ${fdMean}`);
  tf.dispose([W1, B1, W2, B2, x, norms]);
});

test('convnet: replicated-batch Jacobian equals one tf.grad per class, and leaks no tensors', async () => {
  await useBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
    ],
  });
  const f: LogitsFn = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
  const x = tf.randomNormal([5, 6, 6, 2], 0, 1, 'float32', 5);
  const perClass = tf.tidy(() => {
    let acc = tf.zeros([5]);
    for (let k = 0; k < 4; k++) {
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.slice(f(xi), [0, k], [-1, 1])))(x);
      acc = tf.add(acc, tf.sum(tf.square(g), [1, 2, 3]));
    }
    return acc;
  });
  const before = tf.memory().numTensors;
  const ours = jacobianSqNorms(f, x, 4);
  const a = await ours.data();
  const b = await perClass.data();
  for (let i = 0; i < 5; i++) assert.ok(relDiff(a[i], b[i]) < 1e-5, `example ${i}: ${a[i]} vs ${b[i]}`);
  ours.dispose();
  await geometricComplexity(f, x, 4, 2);
  assert.equal(tf.memory().numTensors, before, 'GC must not leave tensors behind');
  tf.dispose([x, perClass]);
  model.dispose();
});

test('a GC pass that exhausts wasm memory becomes an error saying which setting to lower', async () => {
  const { explainGcMemoryError } = await import('../../src/metrics/gc-memory.js');
  const { RunFailure } = await import('../../src/errors/errors.js');
  const gc = { examples: 256, batch_size: 64, every: 1, method: 'exact' as const, projections: 8 };
  const e = explainGcMemoryError(new Error('RuntimeError: table index is out of bounds'), gc, 100);
  assert.ok(e instanceof RunFailure);
  assert.match((e as Error).message, /100 Jacobian rows .*gc\.batch_size 64 examples.*lower gc\.batch_size or use gc\.method: projection/);
  const other = new Error('something else');
  assert.equal(explainGcMemoryError(other, gc, 10), other);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: Jacobian strategies replay, replicate and stacked give the same norms; replay and replicate the same weight gradients (stacked, under a gradient, is the replay: same gradients bit for bit)`, async () => {
    const { canStack } = await import('../../src/metrics/vjp-stacked.js');
    const { selectBackend } = await import('../../src/backend/select.js');
    const { registerSecondOrderGradients } = await import('../../src/regularizers/second-order.js');
    if (backend === 'wasm') await selectBackend('wasm');
    else await useBackend('cpu');
    registerSecondOrderGradients();
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 11 }) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 12 }) }),
        tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 13 }) }),
      ],
    });
    const f: LogitsFn = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
    const x = tf.randomNormal([3, 7, 7, 2], 0, 1, 'float32', 14);
    // The logits bias does not move the Jacobian (no gradient path): leave it out.
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable).slice(0, -1);
    const before = tf.memory().numTensors;
    const results = [];
    let stackedUnderGradient: boolean | null = null;
    for (const strategy of ['replay', 'replicate', 'stacked'] as const) {
      // Outside a gradient: each strategy runs its own code (stacked: one forward, stacked cotangents).
      assert.equal(canStack(), true);
      const norms = jacobianSqNorms(f, x, 4, strategy);
      const { grads, value } = tf.variableGrads(() => {
        // Inside one, stacked products would not be differentiable: jacobianSqNorms takes the replay.
        if (strategy === 'stacked') stackedUnderGradient = canStack();
        return tf.mean(jacobianSqNorms(f, x, 4, strategy)) as tf.Scalar;
      }, vars);
      results.push({ strategy, norms: await norms.data(), grads: await Promise.all(vars.map((v) => grads[v.name].data())) });
      tf.dispose([norms, value, ...Object.values(grads)]);
    }
    const [replay, replicate, stacked] = results;
    for (const b of [replicate, stacked]) {
      replay.norms.forEach((v, i) => assert.ok(relDiff(v, b.norms[i]) < 1e-5, `${b.strategy} norm ${i}: ${v} vs ${b.norms[i]}`));
    }
    // Two different differentiable computations of the same gradient:
    replay.grads.forEach((g, j) => g.forEach((v, i) => assert.ok(Math.abs(v - replicate.grads[j][i]) <= 1e-4 * Math.max(1, Math.abs(v)), `grad ${j}[${i}]: ${v} vs ${replicate.grads[j][i]}`)));
    // ...while 'stacked' under a gradient is the replay itself (so this compares nothing more):
    assert.equal(stackedUnderGradient, false, 'stacked cannot run inside a gradient');
    assert.deepEqual(stacked.grads, replay.grads, 'stacked under a gradient = the replay, bit for bit');
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    tf.dispose(x);
    model.dispose();
  });
}
