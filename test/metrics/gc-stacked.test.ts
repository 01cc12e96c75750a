import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { geometricComplexity, jacobianSqNorms, type LogitsFn } from '../../src/metrics/gc.js';
import { canStack } from '../../src/metrics/vjp-stacked.js';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { registerSecondOrderGradients } from '../../src/regularizers/second-order.js';
import { Rng } from '../../src/rng/rng.js';
import { batchNormalization } from '../../src/models/batch-norm.js';
import { relDiff, useBackend } from '../helpers/tf.js';
import { maxRel } from '../helpers/numeric.js';

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = Rng.derive(seed, 'gc-stacked');
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal() * scale), shape);
}


/**
 * Every op kind the stacked rules handle, plus some they leave to the per-slice fallback:
 * conv (valid) + bias + relu, 2x2 max-pool of an ODD-sized map (last row/column uncovered), a
 * linear fused conv + inference batch norm, a relu-fused conv (customGrad: fallback), a residual
 * add, a 3x3 stride-1 max-pool (fallback), global average pool and a dense layer with bias.
 * x [N,9,10,2] -> logits [N,5].
 */
function net(w: tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const [k1, b1, k2, k3, dW, dB] = w;
  let h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 1, 'valid'), b1)) as tf.Tensor4D; // [N,7,8,4]
  h = tf.maxPool(h, 2, 2, 'valid'); // [N,3,4,4]
  let g = tf.fused.conv2d({ x: h, filter: k2 as tf.Tensor4D, strides: 1, pad: 'same' });
  g = tf.batchNorm(g, tf.fill([4], 0.1), tf.fill([4], 1.5), tf.fill([4], 0.2), tf.fill([4], 0.9), 1e-3) as tf.Tensor4D;
  const r = tf.fused.conv2d({ x: g, filter: k3 as tf.Tensor4D, strides: 1, pad: 'same', activation: 'relu' });
  const p = tf.maxPool(tf.add(h, r) as tf.Tensor4D, 3, 1, 'same');
  return tf.add(tf.matMul(tf.mean(p, [1, 2]) as tf.Tensor2D, dW), dB) as tf.Tensor2D;
}

function weights(): tf.Tensor[] {
  return [randn([3, 3, 2, 4], 1, 0.5), randn([4], 2), randn([3, 3, 4, 4], 3, 0.5), randn([3, 3, 4, 4], 4, 0.5), randn([4, 5], 5), randn([5], 6)];
}

test('stacked strategy, affine model: GC equals ||W||_F^2 (cpu and wasm, one and several chunks)', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    if (backend === 'wasm') registerWasmKernels();
    const rng = new Rng(1);
    const [d, c] = [12, 5];
    const wArr = Float64Array.from({ length: d * c }, () => rng.normal());
    const W = tf.tensor2d(Float32Array.from(wArr), [d, c]);
    const b = tf.tensor1d(Float32Array.from({ length: c }, () => rng.normal()));
    const f: LogitsFn = (x) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), W), b) as tf.Tensor2D;
    const x = randn([7, 3, 4, 1], 7);
    const expected = wArr.reduce((s, v) => s + Math.fround(v) ** 2, 0);
    for (const bs of [1, 3, 7]) {
      const gc = await geometricComplexity(f, x, c, bs, 'stacked');
      assert.ok(relDiff(gc, expected) < 1e-5, `${backend} batch ${bs}: GC ${gc} vs ||W||^2 ${expected}`);
    }
    // 2 cotangents per chunk: chunks of 2, 2, 1.
    const norms = await jacobianSqNorms(f, x, c, 'stacked', 2 * 7 * d * 4).array();
    for (const v of norms) assert.ok(relDiff(v, expected) < 1e-5, `${backend} chunked: ${v} vs ${expected}`);
    tf.dispose([W, b, x]);
  }
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: stacked per-example Jacobian norms equal the replay's (conv, pools, batch norm, residual, mean); chunked too; no leaks`, async () => {
    await useBackend(backend);
    if (backend === 'wasm') registerWasmKernels();
    const w = weights();
    const x = randn([3, 9, 10, 2], 8);
    const f = (xi: tf.Tensor) => net(w, xi);
    const before = tf.memory().numTensors;
    const ids = tf.backend().numDataIds();
    const ref = jacobianSqNorms(f, x, 5, 'replay');
    for (const bytes of [undefined, 1]) {
      const ours = jacobianSqNorms(f, x, 5, 'stacked', bytes);
      assert.ok(maxRel(ours.dataSync(), ref.dataSync()) < 1e-5, `stackedBytes ${bytes}: ${ours.dataSync()} vs ${ref.dataSync()}`);
      ours.dispose();
    }
    ref.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    assert.equal(tf.backend().numDataIds(), ids, 'backend buffers leaked');
    tf.dispose([...w, x]);
  });
}

test('wasm: stacked GC of a tfjs-layers CNN and residual block (inference batch norm, global average pool) equals the replay', async () => {
  await useBackend('wasm');
  registerWasmKernels();
  const conv = (filters: number, extra: object = {}) => tf.layers.conv2d({ filters, kernelSize: 3, kernelInitializer: tf.initializers.heNormal({ seed: filters }), ...extra });
  const cnn = tf.sequential({ layers: [conv(6, { inputShape: [11, 11, 1], activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] });
  // Residual block with tfjs-layers' batch norm, and with ours (src/models/batch-norm.ts, whose
  // inference mode is tfjs-layers' tf.batchNorm, so the same stacked rules must apply).
  const resblock = (bn: () => tf.layers.Layer) => {
    const input = tf.input({ shape: [8, 8, 3] });
    const stem = tf.layers.activation({ activation: 'relu' }).apply(bn().apply(conv(5, { padding: 'same', useBias: false }).apply(input))) as tf.SymbolicTensor;
    const y = bn().apply(conv(5, { padding: 'same', useBias: false }).apply(stem)) as tf.SymbolicTensor;
    const merged = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.add().apply([stem, y])) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 10 }).apply(tf.layers.globalAveragePooling2d({}).apply(merged)) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: logits });
  };
  const res = resblock(() => tf.layers.batchNormalization());
  const resGc = resblock(() => batchNormalization());
  for (const [name, model, shape] of [['cnn', cnn, [4, 11, 11, 1]], ['resblock', res, [4, 8, 8, 3]], ['resblock-gc-bn', resGc, [4, 8, 8, 3]]] as const) {
    const x = randn([...shape], 9);
    const f = (xi: tf.Tensor) => model.apply(xi, { training: false }) as tf.Tensor2D;
    const ref = await jacobianSqNorms(f, x, 10, 'replay').array();
    let ours: number[] = [];
    const prof = await tf.profile(async () => {
      ours = await jacobianSqNorms(f, x, 10, 'stacked').array();
    });
    assert.ok(maxRel(ours, ref) < 1e-5, `${name}: ${ours} vs ${ref}`);
    // The stacked rules ran (not the per-slice fallback).
    const used = name === 'cnn' ? ['GcReluGradStacked', 'GcMaxPoolMask2x2', 'GcUnpoolMasked2x2'] : ['GcReluGradStacked', 'GcMulChannels', 'GcSpreadRows', 'GcAdd'];
    for (const k of used) assert.ok(prof.kernelNames.includes(k), `${name}: ${k} not used (${prof.kernelNames})`);
    x.dispose();
    model.dispose();
  }
});

test('stacked falls back to the replay inside a gradient computation (explicit GC penalty): same weight gradients', async () => {
  await useBackend('wasm');
  registerWasmKernels();
  registerSecondOrderGradients();
  const w = weights();
  const x = randn([2, 9, 10, 2], 10);
  assert.equal(canStack(), true);
  let inside = true;
  const penalty = (s: 'replay' | 'stacked') => tf.grads((...v: tf.Tensor[]) => {
    inside &&= !canStack();
    return tf.mean(jacobianSqNorms((xi) => net([...v, w[4], w[5]], xi), x, 5, s));
  })(w.slice(0, 4));
  const ours = penalty('stacked');
  const ref = penalty('replay');
  assert.ok(inside, 'canStack() must be false under a gradient tape');
  for (let i = 0; i < ours.length; i++) assert.ok(maxRel(ours[i].dataSync(), ref[i].dataSync()) < 1e-5, `weight ${i}`);
  tf.dispose([...ours, ...ref, ...w, x]);
});
