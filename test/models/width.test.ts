import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { ExperimentConfigSchema, ModelSchema, RunConfigSchema } from '../../src/config/schema.js';
import { expandSweep } from '../../src/config/sweep.js';
import { buildModel, parameterCount } from '../../src/models/build.js';
import { useBackend } from '../helpers/tf.js';

const kernelShapes = (m: tf.LayersModel) => m.weights.filter((w) => w.originalName.endsWith('kernel')).map((w) => w.shape);

test('model.width / model.depth: mlp hidden layers, cnn and vgg channels scaled from the first; parameter count by hand', async () => {
  await useBackend('cpu');
  const mlp = buildModel(ModelSchema.parse({ arch: 'mlp', widths: [7, 9], width: 5, depth: 3 }), [4, 4, 1], 3, 0);
  assert.deepEqual(kernelShapes(mlp), [[16, 5], [5, 5], [5, 5], [5, 3]]);
  assert.equal(parameterCount(mlp), 16 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 3 + 3);
  // depth alone repeats the last entry of widths; depth 0 is the affine model
  assert.deepEqual(kernelShapes(buildModel(ModelSchema.parse({ arch: 'mlp', widths: [7, 9], depth: 3 }), [4, 4, 1], 3, 0)), [[16, 7], [7, 9], [9, 9], [9, 3]]);
  const affine = buildModel(ModelSchema.parse({ arch: 'mlp', depth: 0 }), [4, 4, 1], 3, 0);
  assert.equal(parameterCount(affine), 16 * 3 + 3);
  const cnn = buildModel(ModelSchema.parse({ arch: 'cnn', channels: [8, 16], width: 3, dense: [4] }), [10, 10, 1], 2, 0);
  // 10 → conv 8 → pool 4 → conv 2 → pool 1; channels [3, 6]
  assert.deepEqual(kernelShapes(cnn), [[3, 3, 1, 3], [3, 3, 3, 6], [6, 4], [4, 2]]);
  assert.equal(parameterCount(cnn), 9 * 3 + 3 + 9 * 3 * 6 + 6 + 6 * 4 + 4 + 4 * 2 + 2);
  const vgg = buildModel(ModelSchema.parse({ arch: 'vgg', channels: [[4, 6], [8]], width: 2 }), [8, 8, 3], 3, 0);
  assert.deepEqual(kernelShapes(vgg), [[3, 3, 3, 2], [3, 3, 2, 3], [3, 3, 3, 4], [2 * 2 * 4, 3]]);
  // BN gamma/beta are trainable; moving statistics are not counted
  assert.equal(parameterCount(vgg), 9 * (3 * 2 + 2 * 3 + 3 * 4) + 2 * (2 + 3 + 4) + 16 * 3 + 3);
  for (const m of [mlp, affine, cnn, vgg]) m.dispose();
});

test('model.width is sweepable (run ids name it); a misspelt key still is not; depth without any width is one config error', () => {
  const exp = ExperimentConfigSchema.parse({
    experiment: 'w',
    model: { arch: 'mlp', widths: [64] },
    optimizer: { lr: 0.1 },
    train: { batch_size: 8, epochs: 1 },
    sweep: { grid: { 'model.width': [4, 16], 'model.depth': [1, 2] }, seeds: [0] },
  });
  const runs = expandSweep(exp, 'w.yaml');
  assert.equal(runs.length, 4);
  assert.equal(new Set(runs.map((r) => r.id)).size, 4);
  assert.ok(runs[0].id.includes('depth=1') && runs[0].id.includes('width=4'), runs[0].id);
  assert.equal(runs[3].config.model.arch === 'mlp' && runs[3].config.model.width, 16);
  assert.throws(() => expandSweep({ ...exp, sweep: { grid: { 'model.widht': [4] }, seeds: [0] } }, 'w.yaml'), /model\.widht: not a config key/);
  // cnn has width, but no depth
  assert.throws(() => expandSweep({ ...exp, model: ModelSchema.parse({ arch: 'cnn' }), sweep: { grid: { 'model.depth': [1] }, seeds: [0] } }, 'w.yaml'), /model\.depth: not a config key/);
  const bad = RunConfigSchema.safeParse({ experiment: 'w', model: { arch: 'mlp', widths: [], depth: 2 }, optimizer: { lr: 0.1 }, train: { batch_size: 8, epochs: 1 } });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues.map((i) => i.path.join('.')), ['model.depth']);
  // A config without the new keys keeps its run id (hash of the non-default parts).
  const plain = expandSweep({ ...exp, sweep: undefined }, 'w.yaml')[0];
  assert.ok(!('width' in plain.config.model) && !('depth' in plain.config.model));
});
