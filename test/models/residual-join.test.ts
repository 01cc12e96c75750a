/**
 * The fused residual join (src/backend/ops/residual.ts: GcAddRelu, GcAddReluMean and its
 * gradient kernel) and the GcResidualJoin layer (src/models/residual-join.ts) against the tf-op
 * formulation relu(add(a, b)) (+ mean over H, W): forward, first- and second-order gradients on
 * cpu (fallback ops) and wasm (our kernels), leaks, layer training and serialization.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, relErr, setupBackends } from '../helpers/compare.js';
import { ADD_RELU, ADD_RELU_MEAN, ADD_RELU_MEAN_GRAD, addRelu, addReluMean } from '../../src/backend/ops/residual.js';
import { GcResidualJoin, residualJoin } from '../../src/models/residual-join.js';
import { trainFewSteps } from '../helpers/train-steps.js';

test.before(setupBackends);

/** NHWC shapes: 8-channel blocks, tails (c % 8, c % 4), H*W not a multiple of the 64-row blocks. */
const SHAPES: number[][] = [[4, 5, 7, 12], [3, 9, 9, 5], [2, 6, 6, 16], [1, 11, 12, 3]];

type Join = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const CASES: [string, Join, Join][] = [
  ['relu(a+b)', addRelu, (a, b) => tf.relu(tf.add(a, b))],
  ['mean(relu(a+b))', addReluMean, (a, b) => tf.mean(tf.relu(tf.add(a, b)), [1, 2])],
];

const inputs = (shape: number[], seed: number) => [randn(shape, seed, 'a'), randn(shape, seed, 'b')];

/** Loss with a nonzero second derivative: sum(r * f(a, b)^2). */
const loss = (f: Join, seed: number) => (a: tf.Tensor, b: tf.Tensor) => {
  const y = f(a, b);
  return tf.sum(tf.mul(tf.square(y), randn(y.shape, seed, 'r')));
};

const grads = (f: Join, shape: number[], seed: number) => tf.grads(loss(f, seed))(inputs(shape, seed));

/** Gradient wrt (a, b) of ||d loss/da||^2 (as the flatness / GC penalties differentiate a backward). */
const secondOrder = (f: Join, shape: number[], seed: number) => tf.grads((a: tf.Tensor, b: tf.Tensor) => {
  const ga = tf.grad((z: tf.Tensor) => loss(f, seed)(z, b))(a);
  return tf.sum(tf.square(ga));
})(inputs(shape, seed));

/** Runs `fn` on wasm twice, with `ours` and with the reference ops, and compares. */
function assertSameOnWasm(what: string, fn: (f: Join) => tf.Tensor[], ours: Join, ref: Join, tol = 1e-5): void {
  const [a, b] = [ours, ref].map((f) => tf.tidy(() => fn(f).map((t) => t.dataSync() as Float32Array)));
  a.forEach((v, k) => assert.ok(relErr(v, b[k]) <= tol, `${what} output ${k}: ${relErr(v, b[k])}`));
}

test('fused kernels are registered on wasm and run for float32 inputs of one shape', async () => {
  await tf.setBackend('wasm');
  for (const k of [ADD_RELU, ADD_RELU_MEAN, ADD_RELU_MEAN_GRAD]) assert.ok(tf.getKernel(k, 'wasm'), k);
  const prof = await tf.profile(() => tf.grads(loss(addReluMean, 0))(inputs([2, 3, 3, 4], 0)));
  const names = prof.kernels.map((k) => k.name);
  assert.ok(names.includes(ADD_RELU_MEAN) && names.includes(ADD_RELU_MEAN_GRAD), names.join());
  assert.ok(!names.includes('Tile') && !names.includes('Relu'), names.join());
  tf.dispose(prof.result as tf.Tensor[]);
});

test('forward matches relu(add) (+ mean) on cpu and wasm; broadcasts and int32 fall back', async () => {
  for (const [name, ours, ref] of CASES) {
    for (const [i, shape] of SHAPES.entries()) {
      await assertMatchesCpu(`${name} ${shape}`, () => ours(...(inputs(shape, i) as [tf.Tensor, tf.Tensor])), 1e-5);
      assertSameOnWasm(`${name} ${shape}`, (f) => [f(...(inputs(shape, i) as [tf.Tensor, tf.Tensor]))], ours, ref);
    }
  }
  await assertMatchesCpu('relu(a+b) rank 2', () => addRelu(randn([130, 3], 1, 'a'), randn([130, 3], 1, 'b')));
  await assertMatchesCpu('relu(a+b) broadcast', () => addRelu(randn([5, 4, 3], 1, 'a'), randn([3], 1, 'b')));
  const ints = tf.tidy(() => addRelu(tf.tensor1d([1, -3, 2], 'int32'), tf.tensor1d([1, 1, -5], 'int32')).arraySync());
  assert.deepEqual(ints, [2, 0, 0]);
});

test('first-order gradients (both inputs) match on cpu and wasm', async () => {
  for (const [name, ours, ref] of CASES) {
    for (const [i, shape] of SHAPES.entries()) {
      await assertMatchesCpu(`grads ${name} ${shape}`, () => grads(ours, shape, i), 1e-5);
      assertSameOnWasm(`grads ${name} ${shape}`, (f) => grads(f, shape, i), ours, ref);
    }
  }
});

test('second-order gradients match on cpu and wasm', async () => {
  for (const [name, ours, ref] of CASES) {
    for (const [i, shape] of SHAPES.slice(0, 3).entries()) {
      await assertMatchesCpu(`2nd order ${name} ${shape}`, () => secondOrder(ours, shape, i), 1e-5);
      assertSameOnWasm(`2nd order ${name} ${shape}`, (f) => secondOrder(f, shape, i), ours, ref);
    }
  }
});

/** conv -> [join of conv output and input] (-> pool) -> dense, with GcResidualJoin or tfjs layers. */
function model(fused: boolean, pool: boolean): tf.LayersModel {
  const inp = tf.input({ shape: [6, 6, 4] });
  const init = (s: number) => tf.initializers.glorotNormal({ seed: s });
  const h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(inp) as tf.SymbolicTensor;
  let y: tf.SymbolicTensor;
  if (fused) {
    y = residualJoin({ pool }).apply([h, inp]) as tf.SymbolicTensor;
  } else {
    y = tf.layers.reLU().apply(tf.layers.add().apply([h, inp])) as tf.SymbolicTensor;
    if (pool) y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
  }
  if (!pool) y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 3, kernelInitializer: init(2) }).apply(y) as tf.SymbolicTensor });
}

const train = (m: tf.LayersModel) => trainFewSteps(m, { input: [6, 6, 4], outputs: 3, batch: 5, evalBatch: 2, lr: 0.1 });

test('GcResidualJoin trains like add + relu (+ global average pool) layers, leaks nothing, and round-trips through JSON', async () => {
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    for (const pool of [false, true]) {
      const gc = model(true, pool);
      const ref = model(false, pool);
      assert.deepEqual(gc.outputs[0].shape, ref.outputs[0].shape);
      assert.deepEqual(gc.weights.map((w) => w.shape), ref.weights.map((w) => w.shape));
      gc.setWeights(ref.getWeights());
      const before = tf.memory().numTensors;
      const a = train(gc);
      assert.equal(tf.memory().numTensors, before, `${backend} pool=${pool}: tensors leaked`);
      const b = train(ref);
      a.forEach((v, k) => assert.ok(relErr(v, b[k]) < 1e-5, `${backend} pool=${pool} weight/output ${k}: ${relErr(v, b[k])}`));

      const copy = await tf.models.modelFromJSON({ modelTopology: gc.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
      const join = copy.layers.find((l) => l instanceof GcResidualJoin) as GcResidualJoin;
      assert.equal(join.pool, pool);
      copy.setWeights(gc.getWeights());
      const x = randn([2, 6, 6, 4], 3, 'in');
      const [p, q] = [gc, copy].map((m) => tf.tidy(() => (m.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array));
      assert.deepEqual(p, q);
      tf.dispose(x);
      [gc, ref, copy].forEach((m) => m.dispose());
    }
  }
  await tf.setBackend('wasm');
});

test('GcResidualJoin rejects inputs it cannot join', () => {
  const a = tf.input({ shape: [4, 4, 3] });
  assert.throws(() => residualJoin().apply([a, tf.input({ shape: [4, 4, 2] })]), /shapes differ/);
  assert.throws(() => residualJoin({ pool: true }).apply([tf.input({ shape: [3] }), tf.input({ shape: [3] })]), /NHWC/);
});
