/**
 * Training-mode batch norm (src/backend/ops/bn-train.ts: GcBatchNormTrain and the
 * kernels of its gradient) and the GcBatchNormalization layer (src/models/batch-norm.ts) against
 * tfjs-layers' BatchNormalization / tf.moments + tf.batchNorm: forward, first- and second-order
 * gradients on cpu (fallback ops) and wasm (our kernels), moving statistics, inference, leaks.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, relErr, setupBackends } from '../helpers/compare.js';
import { batchNormTrain } from '../../src/backend/ops/bn-train.js';
import { BN_TRAIN } from '../../src/backend/wasm/bn-train.js';
import { batchNormalization, GcBatchNormalization } from '../../src/models/batch-norm.js';
import { ModelSchema } from '../../src/config/schema.js';
import { architecture } from '../../src/models/build.js';
import { buildReferenceModel } from '../../bench/reference-models.js';
import { trainFewSteps } from '../helpers/train-steps.js';

test.before(setupBackends);

const EPS = 1e-3;
/** Shapes: 8-channel blocks, tails (c % 8, c % 4), rows not a multiple of the 64-row blocks. */
// [3, 67, 6]: several row blocks of the moments and gradient sums and an odd last one.
const SHAPES: number[][] = [[4, 5, 7, 12], [3, 9, 5], [130, 3], [2, 6, 6, 16], [3, 67, 6]];

/** Inputs of one case: x (mean far from 0 to test the variance's cancellation), gamma, beta. */
function inputs(shape: number[], seed: number) {
  const c = shape[shape.length - 1];
  return {
    x: tf.add(tf.mul(randn(shape, seed, 'x'), 2), 3),
    gamma: tf.add(randn([c], seed, 'g'), 1),
    beta: randn([c], seed, 'b'),
  };
}

/** Reference: tfjs-layers' training-mode computation (tf.moments, then tf.batchNorm). */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) {
  const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, i) => i));
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, EPS), mean, variance };
}

type Bn = typeof reference;
const ours: Bn = (x, gamma, beta) => batchNormTrain(x, gamma, beta, EPS);

/**
 * A loss using every output of the batch norm (y, and mean/variance as a penalty might). The
 * (y^2 + y) term's upstream gradient (2y + 1) * r is non-zero where a relu output is 0, so the
 * relu mask of the backward (bnGradSums's relu flag, channelAffineRelu) changes the gradients.
 */
function loss(bn: Bn, shape: number[], seed: number) {
  const c = shape[shape.length - 1];
  return (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
    const { y, mean, variance } = bn(x, gamma, beta);
    const r = randn(shape, seed, 'r');
    return tf.addN([tf.sum(tf.mul(tf.add(tf.square(y), y), r)), tf.sum(tf.mul(mean, randn([c], seed, 'm'))), tf.sum(tf.mul(variance, randn([c], seed, 'v')))]);
  };
}

/** First-order gradients of `loss` wrt x, gamma, beta. */
function grads(bn: Bn, shape: number[], seed: number): tf.Tensor[] {
  const { x, gamma, beta } = inputs(shape, seed);
  const f = loss(bn, shape, seed);
  return tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => f(a, g, b))([x, gamma, beta]);
}

/** Second order: gradient wrt (x, gamma, beta) of ||d loss/dx||^2 (as the flatness / GC penalties). */
function secondOrder(bn: Bn, shape: number[], seed: number): tf.Tensor[] {
  const { x, gamma, beta } = inputs(shape, seed);
  const f = loss(bn, shape, seed);
  return tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const gx = tf.grad((z: tf.Tensor) => f(z, g, b))(a);
    return tf.sum(tf.square(gx));
  })([x, gamma, beta]);
}

test('batchNormTrain forward matches tf.moments + tf.batchNorm (cpu fallback and wasm kernel)', async () => {
  await tf.setBackend('wasm');
  assert.ok(tf.getKernel(BN_TRAIN, 'wasm'), 'kernel registered');
  for (const [i, shape] of SHAPES.entries()) {
    await assertMatchesCpu(`forward ${shape}`, () => {
      const { x, gamma, beta } = inputs(shape, i);
      const r = ours(x, gamma, beta);
      return [r.y, r.mean, r.variance];
    });
  }
  // Same on one backend: wasm kernel against the wasm reference ops.
  const shape = SHAPES[0];
  const [a, b] = [ours, reference].map((bn) => tf.tidy(() => {
    const { x, gamma, beta } = inputs(shape, 9);
    return bn(x, gamma, beta).y.dataSync() as Float32Array;
  }));
  assert.ok(relErr(a, b) < 1e-4);
});

test('batchNormTrain first-order gradients (x, gamma, beta; through y, mean, variance) match on cpu and wasm', async () => {
  for (const [i, shape] of SHAPES.entries()) {
    await assertMatchesCpu(`grads ${shape}`, () => grads(ours, shape, i));
    // wasm: ours against the reference ops on the same backend.
    await tf.setBackend('wasm');
    const a = tf.tidy(() => grads(ours, shape, i).map((t) => t.dataSync() as Float32Array));
    const b = tf.tidy(() => grads(reference, shape, i).map((t) => t.dataSync() as Float32Array));
    a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 1e-4, `grad ${k} of ${shape}: ${relErr(v, b[k])}`));
  }
});

test('batchNormTrain second-order gradients match the reference on cpu and wasm', async () => {
  for (const [i, shape] of SHAPES.slice(0, 3).entries()) {
    await assertMatchesCpu(`second order ${shape}`, () => secondOrder(ours, shape, i), 2e-4);
    const a = tf.tidy(() => secondOrder(ours, shape, i).map((t) => t.dataSync() as Float32Array));
    const b = tf.tidy(() => secondOrder(reference, shape, i).map((t) => t.dataSync() as Float32Array));
    a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 2e-4, `2nd-order grad ${k} of ${shape}: ${relErr(v, b[k])}`));
  }
});

/** A conv -> BN -> relu -> dense model with `bn` as its batch-norm layer. */
function model(bn: (args: { momentum: number; epsilon: number }) => tf.layers.Layer): tf.LayersModel {
  const inp = tf.input({ shape: [6, 6, 3] });
  const init = (s: number) => tf.initializers.glorotNormal({ seed: s });
  let h = tf.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(inp) as tf.SymbolicTensor;
  h = bn({ momentum: 0.9, epsilon: 1e-5 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 4, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor });
}

const train = (m: tf.LayersModel) => trainFewSteps(m, { input: [6, 6, 3], outputs: 4, batch: 10, evalBatch: 5, lr: 0.05 });

/**
 * Asserts `gc` has `ref`'s weight names, shapes and trainable flags, then trains both from the
 * same weights and asserts every weight and the inference output agree and `gc` leaks no tensors.
 * Returns `gc`'s trained weights and output (as `train`).
 */
function assertTrainsLike(gc: tf.LayersModel, ref: tf.LayersModel, backend: string): Float32Array[] {
  const names = (m: tf.LayersModel) => m.weights.map((w) => [w.name.replace(/.*\//, ''), w.shape, w.trainable]);
  assert.deepEqual(names(gc), names(ref));
  gc.setWeights(ref.getWeights());
  const before = tf.memory().numTensors;
  const a = train(gc);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  const b = train(ref);
  a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 1e-4, `${backend} weight/output ${k}: ${relErr(v, b[k])}`));
  return a;
}

test('GcBatchNormalization: same weights/order as tf.layers.batchNormalization; training and inference match', async () => {
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const ref = model((a) => tf.layers.batchNormalization(a));
    const gc = model((a) => batchNormalization(a));
    const bnLayer = gc.layers.find((l) => l instanceof GcBatchNormalization)!;
    assert.deepEqual(bnLayer.weights.map((w) => w.name.replace(/.*\//, '')), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    const a = assertTrainsLike(gc, ref, backend);
    // The moving statistics moved away from their initial values (0, 1).
    assert.ok(a[a.length - 3].some((v) => v !== 0));
    ref.dispose();
    gc.dispose();
  }
  await tf.setBackend('wasm');
});

test('GcBatchNormalization serialises and deserialises (registered class)', async () => {
  await tf.setBackend('wasm');
  const m = model((a) => batchNormalization(a));
  const copy = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  assert.ok(copy.layers.some((l) => l instanceof GcBatchNormalization));
  assert.equal(copy.getClassName(), m.getClassName());
  const cfg = copy.layers.find((l) => l instanceof GcBatchNormalization)!.getConfig();
  assert.equal(cfg.momentum, 0.9);
  m.dispose();
  copy.dispose();
});

// ---- Batch norm + relu (batchNormTrain's relu option; GcBatchNormalization activation 'relu').

/** Unfused reference: tf.relu of the reference batch norm. */
const referenceRelu: Bn = (x, gamma, beta) => {
  const r = reference(x, gamma, beta);
  return { ...r, y: tf.relu(r.y) };
};
const oursRelu: Bn = (x, gamma, beta) => batchNormTrain(x, gamma, beta, EPS, true);

test('batchNormTrain with relu: forward, first- and second-order gradients match relu(bn) on cpu and wasm', async () => {
  for (const [i, shape] of SHAPES.entries()) {
    await assertMatchesCpu(`relu forward ${shape}`, () => {
      const { x, gamma, beta } = inputs(shape, i);
      const r = oursRelu(x, gamma, beta);
      return [r.y, r.mean, r.variance];
    });
    await assertMatchesCpu(`relu grads ${shape}`, () => grads(oursRelu, shape, i));
    await tf.setBackend('wasm');
    const fy = tf.tidy(() => { const { x, gamma, beta } = inputs(shape, i); return oursRelu(x, gamma, beta).y.dataSync() as Float32Array; });
    const ry = tf.tidy(() => { const { x, gamma, beta } = inputs(shape, i); return referenceRelu(x, gamma, beta).y.dataSync() as Float32Array; });
    assert.ok(relErr(fy, ry) < 1e-4, `relu forward ${shape}`);
    assert.ok(fy.some((v) => v === 0) && fy.some((v) => v > 0), 'the relu is active on part of the output');
    const a = tf.tidy(() => grads(oursRelu, shape, i).map((t) => t.dataSync() as Float32Array));
    const b = tf.tidy(() => grads(referenceRelu, shape, i).map((t) => t.dataSync() as Float32Array));
    a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 1e-4, `relu grad ${k} of ${shape}: ${relErr(v, b[k])}`));
  }
  for (const [i, shape] of SHAPES.slice(0, 3).entries()) {
    await assertMatchesCpu(`relu second order ${shape}`, () => secondOrder(oursRelu, shape, i), 2e-4);
    const a = tf.tidy(() => secondOrder(oursRelu, shape, i).map((t) => t.dataSync() as Float32Array));
    const b = tf.tidy(() => secondOrder(referenceRelu, shape, i).map((t) => t.dataSync() as Float32Array));
    a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 2e-4, `relu 2nd-order grad ${k} of ${shape}: ${relErr(v, b[k])}`));
  }
});

test('batchNormTrain with relu: a plain backward pass uses the masked kernels (no Relu / relu-gradient kernels)', async () => {
  await tf.setBackend('wasm');
  const shape = SHAPES[0];
  const info = await tf.profile(() => tf.tidy(() => { grads(oursRelu, shape, 0); }));
  const names = new Set(info.kernels.map((k) => k.name));
  for (const k of ['GcBnReluGradSums', 'GcChannelAffineRelu']) assert.ok(names.has(k), `${k} ran: ${[...names]}`);
  for (const k of ['Relu', 'GcReluGrad', 'Step', 'GcBnGradSums', 'GcChannelAffine']) assert.ok(!names.has(k), `${k} did not run`);
});

/** conv -> BN + relu -> dense, the relu fused into `bn`'s layer (fused) or a ReLU layer after it. */
function reluModel(fused: boolean): tf.LayersModel {
  const inp = tf.input({ shape: [6, 6, 3] });
  const init = (s: number) => tf.initializers.glorotNormal({ seed: s });
  let h = tf.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(inp) as tf.SymbolicTensor;
  const args = { momentum: 0.9, epsilon: 1e-5 };
  if (fused) h = batchNormalization({ ...args, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  else h = tf.layers.reLU().apply(batchNormalization(args).apply(h)) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 4, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor });
}

test('GcBatchNormalization activation relu: same weights as BN + ReLU layer; training, moving stats and inference match; no leaks', async () => {
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const ref = reluModel(false);
    const gc = reluModel(true);
    const a = assertTrainsLike(gc, ref, backend);
    assert.ok(a[a.length - 3].some((v) => v !== 0), 'moving mean moved');
    // Inference output has the relu applied (the dense layer sees non-negative features).
    const feats = tf.tidy(() => tf.model({ inputs: gc.inputs, outputs: gc.layers[2].output as tf.SymbolicTensor }).predict(randn([3, 6, 6, 3], 4, 'in')) as tf.Tensor);
    assert.ok((feats.dataSync() as Float32Array).every((v) => v >= 0));
    feats.dispose();
    ref.dispose();
    gc.dispose();
  }
  await tf.setBackend('wasm');
});

test('GcBatchNormalization activation relu survives a serialisation round trip; plain configs unchanged', async () => {
  await tf.setBackend('wasm');
  const m = reluModel(true);
  const copy = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  const layer = copy.layers.find((l) => l instanceof GcBatchNormalization) as GcBatchNormalization;
  assert.equal(layer.getConfig().activation, 'relu');
  assert.equal(layer.relu, true);
  copy.setWeights(m.getWeights());
  const x = randn([3, 6, 6, 3], 5, 'in');
  const [p, q] = [m, copy].map((k) => k.predict(x) as tf.Tensor);
  assert.ok(relErr(p.dataSync() as Float32Array, q.dataSync() as Float32Array) === 0);
  assert.ok(!('activation' in new GcBatchNormalization({}).getConfig()));
  assert.throws(() => new GcBatchNormalization({ activation: 'tanh' as 'relu' }));
  [x, p, q].forEach((t) => t.dispose());
  m.dispose();
  copy.dispose();
});

test('resnet18, vgg (batch_norm, relu) and the resblock bench model fuse every relu that directly follows a BN', async () => {
  await tf.setBackend('cpu');
  const kinds = (m: tf.LayersModel) => {
    const bns = m.layers.filter((l) => l instanceof GcBatchNormalization) as GcBatchNormalization[];
    const relus = m.layers.filter((l) => l.getClassName() === 'ReLU' || (l.getClassName() === 'Activation' && l.getConfig().activation === 'relu'));
    return { fused: bns.filter((l) => l.relu).length, plain: bns.length - bns.filter((l) => l.relu).length, relus: relus.length };
  };
  const resnet = architecture(ModelSchema.parse({ arch: 'resnet18', width: 4 }), [8, 8, 3], 5);
  // stem + the first BN of each of the 8 blocks fused; 8 second-BNs and 3 projections plain; the
  // relus after the adds are in the 8 GcResidualJoin layers (no separate relu layers).
  assert.deepEqual(kinds(resnet), { fused: 9, plain: 11, relus: 0 });
  const vgg = architecture(ModelSchema.parse({ arch: 'vgg', channels: [[4, 6], [8]], dense: [5] }), [16, 16, 3], 3);
  assert.deepEqual(kinds(vgg), { fused: 3, plain: 0, relus: 0 });
  const tanh = architecture(ModelSchema.parse({ arch: 'vgg', channels: [[4]], dense: [], activation: 'tanh' }), [8, 8, 3], 3);
  assert.deepEqual(kinds(tanh), { fused: 0, plain: 1, relus: 0 });
  const resblock = buildReferenceModel('resblock');
  assert.deepEqual(kinds(resblock), { fused: 2, plain: 1, relus: 0 });
  [resnet, vgg, tanh, resblock].forEach((m) => m.dispose());
  await tf.setBackend('wasm');
});

test('batchNormTrain with relu on wasm: bit for bit the unfused kernels (GcBatchNormTrain, Relu, GcReluGrad): the recomputed mask is exact', async () => {
  await tf.setBackend('wasm');
  const unfused: Bn = (x, gamma, beta) => {
    const r = batchNormTrain(x, gamma, beta, EPS);
    return { ...r, y: tf.relu(r.y) };
  };
  for (const [i, shape] of [...SHAPES, [64, 4, 4, 24]].entries()) {
    const a = tf.tidy(() => grads(oursRelu, shape, i).map((t) => t.dataSync() as Float32Array));
    const b = tf.tidy(() => grads(unfused, shape, i).map((t) => t.dataSync() as Float32Array));
    a.forEach((v, k) => v.forEach((e, j) => assert.ok(e === b[k][j], `grad ${k} of ${shape} at ${j}: ${e} vs ${b[k][j]}`)));
  }
});
