import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { jacobianSqNorms } from '../../src/metrics/gc.js';
import { vjps } from '../../src/metrics/vjp.js';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { registerSecondOrderGradients } from '../../src/regularizers/second-order.js';
import { Rng } from '../../src/rng/rng.js';
import { useBackend } from '../helpers/tf.js';
import { maxRel } from '../helpers/numeric.js';

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = Rng.derive(seed, 'vjp');
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal() * scale), shape);
}

/**
 * Small conv net with every op kind the GC models use: a linear fused conv (with bias) +
 * inference batch norm + relu, a relu fused conv, max-pool, a residual add, dense logits.
 * x [N,7,8,2] -> logits [N,4]. Weights come in as arguments so they can be differentiated.
 */
function net(w: tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const [k1, b1, k2, dW, dB] = w;
  let h: tf.Tensor4D = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: k1 as tf.Tensor4D, strides: 1, pad: 'same', bias: b1 });
  h = tf.relu(tf.batchNorm(h, tf.fill([3], 0.1), tf.fill([3], 1.5), tf.fill([3], 0.2), tf.fill([3], 0.9), 1e-3)) as tf.Tensor4D;
  const g = tf.fused.conv2d({ x: h, filter: k2 as tf.Tensor4D, strides: 1, pad: 'same', activation: 'relu' });
  const p = tf.maxPool(tf.add(h, g) as tf.Tensor4D, 2, 2, 'valid');
  return tf.add(tf.matMul(tf.reshape(p, [x.shape[0], -1]), dW), dB) as tf.Tensor2D;
}

function weights(): tf.Tensor[] {
  return [randn([3, 3, 2, 3], 1, 0.5), randn([3], 2), randn([3, 3, 3, 3], 3, 0.5), randn([36, 4], 4, 0.5), randn([4], 5)];
}

/** Independent reference: one tf.grad (its own forward pass) per class. */
function perClassLoop(f: (x: tf.Tensor) => tf.Tensor2D, x: tf.Tensor, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const rows = Array.from({ length: classes }, (_, k) => {
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.slice(f(xi), [0, k], [-1, 1])))(x);
      return tf.sum(tf.square(tf.reshape(g, [x.shape[0], -1])), 1);
    });
    return tf.addN(rows) as tf.Tensor1D;
  });
}


for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: jacobianSqNorms (one forward, C backward) equals a per-class tf.grad loop; no leaks`, async () => {
    await useBackend(backend);
    if (backend === 'wasm') registerWasmKernels();
    const w = weights();
    const x = randn([5, 7, 8, 2], 6);
    const f = (xi: tf.Tensor) => net(w, xi);
    const before = tf.memory().numTensors;
    const ours = jacobianSqNorms(f, x, 4);
    const ref = perClassLoop(f, x, 4);
    assert.ok(maxRel(ours.dataSync(), ref.dataSync()) < 1e-5, `${ours.dataSync()} vs ${ref.dataSync()}`);
    tf.dispose([ours, ref]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    tf.dispose([...w, x]);
  });

  test(`${backend}: weight gradients of the GC penalty through jacobianSqNorms equal those through the per-class loop`, async () => {
    await useBackend(backend);
    // Second order through max-pool needs MaxPoolGrad's gradient, registered (as the trainer
    // does) by registerSecondOrderGradients on every backend.
    if (backend === 'wasm') registerWasmKernels();
    registerSecondOrderGradients();
    const w = weights();
    const x = randn([3, 7, 8, 2], 7);
    const before = tf.memory().numTensors;
    // The logits bias does not affect the Jacobian (no gradient path): held constant.
    const penalty = (via: typeof jacobianSqNorms) => tf.grads((...v: tf.Tensor[]) => tf.mean(via((xi) => net([...v, w[4]], xi), x, 4)))(w.slice(0, 4));
    const ours = penalty(jacobianSqNorms);
    const ref = penalty(perClassLoop);
    for (let i = 0; i < ours.length; i++) assert.ok(maxRel(ours[i].dataSync(), ref[i].dataSync()) < 1e-4, `weight ${i}`);
    tf.dispose([...ours, ...ref]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    tf.dispose([...w, x]);
  });
}

test('vjps: J^T dy for several cotangents of a nonlinear map, one forward pass', async () => {
  await useBackend('cpu');
  const x = randn([4, 3], 8);
  const f = (t: tf.Tensor) => tf.mul(tf.sin(t), tf.sum(tf.square(t), 1, true));
  const cot = [randn([4, 3], 9), randn([4, 3], 10)];
  const got = tf.tidy(() => vjps(f, x, () => cot, (g) => g));
  cot.forEach((dy, k) => {
    const ref = tf.grad(f)(x, dy);
    assert.ok(maxRel(got[k].dataSync(), ref.dataSync()) < 1e-6, `cotangent ${k}`);
    ref.dispose();
  });
  assert.throws(() => tf.tidy(() => vjps(() => tf.ones([2]), x, (y) => [tf.onesLike(y)], (g) => g)), /does not depend/);
  tf.dispose([x, ...cot, ...got]);
});
