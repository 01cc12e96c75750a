import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { ModelSchema, RunConfigSchema } from '../../src/config/schema.js';
import { architecture, buildModel } from '../../src/models/build.js';
import { selectBackend } from '../../src/backend/select.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/rng/rng.js';
import type { Split } from '../../src/data/split.js';
import { useBackend } from '../helpers/tf.js';

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);
const count = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + size(w.shape), 0);

/**
 * ResNet-18 (CIFAR) parameters counted from the architecture: conv k×k×in×out (no bias);
 * BN 2c trainable (gamma, beta) + 2c running statistics; dense 8w·classes + classes.
 */
function expectedResnet18(w: number, inChannels: number, classes: number): { trainable: number; stats: number } {
  let trainable = 0;
  let stats = 0;
  const conv = (k: number, cin: number, cout: number) => {
    trainable += k * k * cin * cout + 2 * cout; // conv + its BN's gamma, beta
    stats += 2 * cout; // BN moving mean, variance
  };
  conv(3, inChannels, w);
  let cin = w;
  for (const mult of [1, 2, 4, 8]) {
    const cout = w * mult;
    conv(3, cin, cout); // block 1
    conv(3, cout, cout);
    if (cin !== cout) conv(1, cin, cout); // projection shortcut (stages 2-4)
    conv(3, cout, cout); // block 2
    conv(3, cout, cout);
    cin = cout;
  }
  trainable += 8 * w * classes + classes;
  return { trainable, stats };
}

test('ResNet-18 (CIFAR, width 64, 10 classes): 11,173,962 trainable parameters as counted from the architecture', async () => {
  await useBackend('cpu');
  const exp = expectedResnet18(64, 3, 10);
  assert.equal(exp.trainable, 11_173_962, 'hand count matches the well-known CIFAR ResNet-18 size');
  const model = architecture(ModelSchema.parse({ arch: 'resnet18' }), [32, 32, 3], 10);
  assert.equal(count(model.trainableWeights), exp.trainable);
  assert.equal(count(model.nonTrainableWeights), exp.stats);
  const kinds = model.layers.map((l) => l.getClassName());
  const n = (k: string) => kinds.filter((c) => c === k).length;
  assert.equal(n('Conv2D'), 20, '1 stem + 16 block convs + 3 projections');
  assert.equal(n('GcBatchNormalization'), 20);
  assert.equal(n('GcResidualJoin'), 8, 'add + relu of each block');
  assert.equal(model.layers.filter((l) => l.getClassName() === 'GcResidualJoin' && l.getConfig().pool).length, 1, 'last join pools');
  assert.equal(n('MaxPooling2D'), 0, 'CIFAR variant: no max-pool');
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.getConfig());
  assert.ok(convs.every((c) => c.useBias === false), 'convs without bias');
  const strided = convs.filter((c) => (c.strides as number[])[0] === 2).map((c) => (c.kernelSize as number[])[0]);
  assert.deepEqual(strided.sort(), [1, 1, 1, 3, 3, 3], 'stride 2 in the first conv and the projection of stages 2-4');
  assert.deepEqual(model.outputs[0].shape, [null, 10]);
  // Multiply-adds per example from the layers' shapes: the basis of the runtime estimates in
  // configs/paper (≈ 0.56 G multiply-adds = 1.1 GFLOP forward).
  let macs = 0;
  for (const l of model.layers) {
    const out = l.outputShape as number[];
    const kernel = l.weights.find((w) => w.originalName.endsWith('kernel'));
    if (l.getClassName() === 'Conv2D') macs += out[1] * out[2] * size(kernel!.shape);
    if (l.getClassName() === 'Dense') macs += size(kernel!.shape);
  }
  assert.ok(macs > 0.55e9 && macs < 0.56e9, `${macs} multiply-adds per example`);
  model.dispose();
});

test('ResNet-18 width 8: count follows the architecture; initializeWeights sets BN to identity and draws kernels by seed', async () => {
  await useBackend('cpu');
  const cfg = ModelSchema.parse({ arch: 'resnet18', width: 8 });
  const a = buildModel(cfg, [32, 32, 3], 100, 3);
  const exp = expectedResnet18(8, 3, 100);
  assert.equal(count(a.trainableWeights), exp.trainable);
  const b = buildModel(cfg, [32, 32, 3], 100, 3);
  for (const [i, w] of a.weights.entries()) {
    const name = w.originalName.split('/').pop();
    const v = (await w.read().data()) as Float32Array;
    const vb = (await b.weights[i].read().data()) as Float32Array;
    assert.deepEqual(v, vb, `${w.originalName} differs for the same seed`);
    if (name === 'gamma' || name === 'moving_variance') assert.ok(v.every((x) => x === 1), w.originalName);
    if (name === 'beta' || name === 'moving_mean' || name === 'bias') assert.ok(v.every((x) => x === 0), w.originalName);
    if (name === 'kernel' && w.shape.length === 4) {
      const fanIn = w.shape[0]! * w.shape[1]! * w.shape[2]!;
      const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
      const target = Math.sqrt(2 / fanIn);
      // he_normal; the smallest kernel (3·3·3·8 = 216 values) bounds the sampling error to ~10%.
      assert.ok(Math.abs(std - target) / target < 0.15, `${w.originalName}: std ${std} vs ${target}`);
    }
  }
  a.dispose();
  b.dispose();
});

test('batch norm: inference uses running statistics (batch of 1 = batch of 8), training uses batch statistics and updates them', async () => {
  await useBackend('cpu');
  const model = buildModel(ModelSchema.parse({ arch: 'resnet18', width: 4 }), [8, 8, 3], 5, 1);
  const x = tf.randomNormal([8, 8, 8, 3], 0.5, 2, 'float32', 2);
  const x1 = tf.slice(x, 0, 1);
  const inf8 = (await (model.apply(x, { training: false }) as tf.Tensor).array()) as number[][];
  const inf1 = (await (model.apply(x1, { training: false }) as tf.Tensor).array()) as number[][];
  inf1[0].forEach((v, k) => assert.ok(Math.abs(v - inf8[0][k]) <= 1e-5 * Math.max(1, Math.abs(v)), `logit ${k}: ${v} vs ${inf8[0][k]}`));

  // The first BN normalises the stem conv's output; its running mean after one training step
  // must be 0.9·0 + 0.1·batch mean (momentum 0.9) and variance 0.9·1 + 0.1·batch variance.
  const stem = model.layers.find((l) => l.getClassName() === 'Conv2D')!;
  const bn = model.layers.find((l) => l.getClassName() === 'GcBatchNormalization')!;
  const { mean, variance } = tf.tidy(() => tf.moments(stem.apply(x) as tf.Tensor, [0, 1, 2]));
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(model.apply(x, { training: true }) as tf.Tensor), params);
  const runMean = await bn.weights.find((w) => w.originalName.endsWith('moving_mean'))!.read().data();
  const runVar = await bn.weights.find((w) => w.originalName.endsWith('moving_variance'))!.read().data();
  const m = await mean.data();
  const v = await variance.data();
  m.forEach((mu, c) => assert.ok(Math.abs(runMean[c] - 0.1 * mu) < 1e-5, `channel ${c}: running mean ${runMean[c]} vs ${0.1 * mu}`));
  v.forEach((s, c) => assert.ok(Math.abs(runVar[c] - (0.9 + 0.1 * s)) < 1e-4, `channel ${c}: running var ${runVar[c]} vs ${0.9 + 0.1 * s}`));

  // Training mode depends on the batch: the first example's logits change with its batch mates.
  const tr8 = (await (model.apply(x, { training: true }) as tf.Tensor).array()) as number[][];
  const tr2 = (await (model.apply(tf.slice(x, 0, 2), { training: true }) as tf.Tensor).array()) as number[][];
  assert.ok(tr8[0].some((val, k) => Math.abs(val - tr2[0][k]) > 1e-3), 'training mode must use batch statistics');
  tf.dispose([x, x1, mean, variance, value, grads as unknown as tf.Tensor[]].flat());
  model.dispose();
});

function images(n: number, seed: number): Split {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.normal()),
    y: Int32Array.from({ length: n }, (_, i) => i % 10),
    n,
    shape: [32, 32, 3],
  };
}

async function oneStep(backend: 'cpu' | 'wasm', width = 8): Promise<void> {
  await useBackend(backend);
  const cfg = RunConfigSchema.parse({
    experiment: 'resnet-step',
    model: { arch: 'resnet18', width },
    optimizer: { lr: 0.1, momentum: 0.9 },
    train: { batch_size: 2, epochs: 1 },
    // One GC row keeps the cpu test short: input gradients through conv layers are slow there.
    gc: { examples: 1, batch_size: 1, method: 'projection', projections: 1 },
    regularizers: { weight_decay: 1e-4 },
  });
  const model = buildModel(cfg.model, [32, 32, 3], 10, 0);
  const trainer = new Trainer(cfg, model, { train: images(2, 1), test: images(2, 2), classes: 10 });
  const before = await Promise.all(model.weights.map((w) => w.read().data()));
  const tensors = tf.memory().numTensors;
  const r = await trainer.trainEpoch();
  assert.equal(trainer.step, 1);
  assert.ok(Number.isFinite(r.loss) && r.loss > 0, `loss ${r.loss}`);
  const after = await Promise.all(model.weights.map((w) => w.read().data()));
  model.weights.forEach((w, i) => {
    const changed = after[i].some((v, j) => v !== before[i][j]);
    assert.ok(changed, `${w.originalName} did not change in one step`);
  });
  const m = await trainer.measure();
  assert.ok(m.gc !== null && Number.isFinite(m.gc) && m.gc > 0, `GC ${m.gc}`);
  assert.ok(Number.isFinite(m.test_loss));
  // Only the momentum slots (one per trainable variable) may remain.
  assert.equal(tf.memory().numTensors - tensors, model.trainableWeights.length);
  trainer.dispose();
}

test('ResNet-18 width 8: one SGD step on a batch of 2 (cpu backend) updates every weight and BN statistic', async () => {
  await oneStep('cpu');
});

test('full ResNet-18 (width 64, 11.2 M parameters): one SGD step on a batch of 2 on the wasm backend', async () => {
  // Stock tfjs-backend-wasm lacks Conv2DBackpropFilter: gc-run's kernels, registered by
  // selectBackend as in a real run, make this step possible.
  await selectBackend('wasm');
  await oneStep('wasm', 64);
});
