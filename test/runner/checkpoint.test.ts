import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfigSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { Trainer } from '../../src/train/trainer.js';
import type { NamedArray, StatefulPart } from '../../src/results/trainer-state.js';
import { readCheckpoint, readCheckpointMeta, writeCheckpoint } from '../../src/results/checkpoint.js';
import { augmentBatch } from '../../src/data/augment.js';
import { Rng } from '../../src/rng/rng.js';
import type { Split } from '../../src/data/split.js';
import { useBackend } from '../helpers/tf.js';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { tempDir } from '../helpers/tmp.js';

function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * 8 * 8 }, () => rng.uniform());
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { x, y, n, shape: [8, 8, 1] };
}

const cfg = RunConfigSchema.parse({
  experiment: 'ckpt',
  model: { arch: 'mlp', widths: [8] },
  optimizer: { lr: 0.05, momentum: 0.9 },
  train: { batch_size: 10, epochs: 4 },
  gc: { examples: 12, batch_size: 5 },
  // The spectral penalty's persistent power-iteration vectors must survive a checkpoint too.
  regularizers: { spectral: 0.05, spectral_power_iters: 1 },
});
const data = { train: synthetic(35, 1), test: synthetic(20, 2), classes: 3, augment: augmentBatch };

/** A stand-in for a penalty's persistent vector (e.g. power iteration): changes every epoch. */
function counterPart(): StatefulPart & { v: Float32Array } {
  const part = {
    stateKey: 'counter',
    v: new Float32Array([1, 2]),
    getState: (): NamedArray[] => [{ name: 'v', shape: [2], dtype: 'float32', data: part.v.slice() }],
    setState: (a: NamedArray[]) => void (part.v = a[0].data.slice()),
  };
  return part;
}

async function weights(t: Trainer): Promise<number[]> {
  const out: number[] = [];
  for (const w of t.model.getWeights()) out.push(...(await w.data()));
  return out;
}

test('Trainer state through a checkpoint file continues bit-identically (momentum, augmentation, extra state)', async () => {
  await useBackend('cpu');
  const { dir, cleanup } = tempDir();
  try {
    const a = new Trainer(cfg, buildModel(cfg.model, [8, 8, 1], 3, 0), data);
    const partA = counterPart();
    a.extraState.push(partA);
    await a.trainEpoch();
    partA.v[0] += 1;
    const tensors = tf.memory().numTensors;
    writeCheckpoint(dir, { id: 'r', epoch: 1, seconds: 1.5 }, await a.getState());
    assert.equal(tf.memory().numTensors, tensors, 'getState leaks no tensors');
    const refLoss = (await a.trainEpoch()).loss;
    const ref = await weights(a);

    const b = new Trainer(cfg, buildModel(cfg.model, [8, 8, 1], 3, 99), data);
    const partB = counterPart();
    b.extraState.push(partB);
    const loaded = readCheckpoint(dir, 'r')!;
    assert.deepEqual(loaded.meta, { id: 'r', epoch: 1, seconds: 1.5 });
    await b.trainEpoch(); // create momentum slots first, so setState must replace, not add
    const before = tf.memory().numTensors;
    await b.setState(loaded.state);
    assert.equal(tf.memory().numTensors, before, 'setState leaks no tensors');
    assert.deepEqual([...partB.v], [2, 2]);
    assert.equal(b.step, a.step - a.batchesPerEpoch);
    assert.equal(b.epoch, 1);
    assert.equal((await b.trainEpoch()).loss, refLoss);
    assert.deepEqual(await weights(b), ref);
    a.dispose();
    b.dispose();
  } finally {
    cleanup();
  }
});

test('batch-norm model (vgg + GcBatchNormalization) on wasm: moving statistics checkpointed, resume bit-identical', async () => {
  await useBackend('wasm');
  registerWasmKernels();
  const { dir, cleanup } = tempDir();
  try {
    const bnCfg = RunConfigSchema.parse({ ...cfg, model: { arch: 'vgg', channels: [[4], [6]], dense: [], batch_norm: true }, regularizers: {} });
    const a = new Trainer(bnCfg, buildModel(bnCfg.model, [8, 8, 1], 3, 0), data);
    // tfjs-layers' order: trainable weights (gamma, beta per BN layer), then moving statistics.
    const names = a.model.weights.map((w) => w.originalName.replace(/.*\//, ''));
    assert.deepEqual(names, ['kernel', 'gamma', 'beta', 'kernel', 'gamma', 'beta', 'kernel', 'bias', 'moving_mean', 'moving_variance', 'moving_mean', 'moving_variance']);
    await a.trainEpoch();
    const movingMean = a.model.weights[8].read().dataSync();
    assert.ok(movingMean.some((v) => v !== 0), 'training updates the moving mean');
    writeCheckpoint(dir, { id: 'r', epoch: 1, seconds: 1 }, await a.getState());
    const refLoss = (await a.trainEpoch()).loss;
    const ref = await weights(a);
    const b = new Trainer(bnCfg, buildModel(bnCfg.model, [8, 8, 1], 3, 99), data);
    await b.setState(readCheckpoint(dir, 'r')!.state);
    assert.equal((await b.trainEpoch()).loss, refLoss);
    assert.deepEqual(await weights(b), ref);
    a.dispose();
    b.dispose();
  } finally {
    cleanup();
    await useBackend('cpu');
  }
});

test('checkpoint files: older weights removed, wrong id or truncated weights read as none', async () => {
  await useBackend('cpu');
  const { dir, cleanup } = tempDir();
  try {
    const t = new Trainer(cfg, buildModel(cfg.model, [8, 8, 1], 3, 0), data);
    writeCheckpoint(dir, { id: 'r', epoch: 0, seconds: 0 }, await t.getState());
    writeCheckpoint(dir, { id: 'r', epoch: 1, seconds: 1 }, await t.getState());
    assert.deepEqual(readdirSync(join(dir, 'checkpoint')).sort(), ['state.json', 'weights-1.bin']);
    assert.equal(readCheckpointMeta(dir)!.epoch, 1);
    assert.equal(readCheckpoint(dir, 'other'), null);
    writeFileSync(join(dir, 'checkpoint', 'weights-1.bin'), 'short');
    assert.equal(readCheckpoint(dir, 'r'), null);
    assert.ok(existsSync(join(dir, 'checkpoint', 'state.json')));
    t.dispose();
  } finally {
    cleanup();
  }
});

test('optimizer adam: moments and step count checkpointed, resume bit-identical (the bias correction needs the step count)', async () => {
  await useBackend('cpu');
  const { dir, cleanup } = tempDir();
  try {
    const adam = RunConfigSchema.parse({ ...cfg, optimizer: { name: 'adam', lr: 0.01 } });
    const a = new Trainer(adam, buildModel(adam.model, [8, 8, 1], 3, 0), data);
    await a.trainEpoch();
    await a.trainEpoch();
    writeCheckpoint(dir, { id: 'r', epoch: 2, seconds: 1 }, await a.getState());
    const refLoss = (await a.trainEpoch()).loss;
    const ref = await weights(a);
    const b = new Trainer(adam, buildModel(adam.model, [8, 8, 1], 3, 7), data);
    await b.trainEpoch(); // slots exist already: setState must replace them
    const before = tf.memory().numTensors;
    await b.setState(readCheckpoint(dir, 'r')!.state);
    assert.equal(tf.memory().numTensors, before, 'setState leaks no tensors');
    assert.equal((await b.trainEpoch()).loss, refLoss);
    assert.deepEqual(await weights(b), ref);
    // A fresh optimizer restarted from the same weights (step count 0) would not take these steps.
    const c = new Trainer(adam, buildModel(adam.model, [8, 8, 1], 3, 7), data);
    await c.setState({ ...readCheckpoint(dir, 'r')!.state, groups: { ...readCheckpoint(dir, 'r')!.state.groups, optimizer: [] } });
    await c.trainEpoch();
    assert.notDeepEqual(await weights(c), ref);
    a.dispose();
    b.dispose();
    c.dispose();
  } finally {
    cleanup();
  }
});
