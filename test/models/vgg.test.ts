import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { ModelSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { useBackend } from '../helpers/tf.js';

const count = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

test('vgg: parameter count from the architecture, with and without batch norm; inference is per-example', async () => {
  await useBackend('cpu');
  const channels = [[4, 6], [8]];
  // 16x16x3 → stage 1 (3→4→6) → 8x8 → stage 2 (6→8) → 4x4 → flatten 128 → dense 5 → 3 classes.
  const convs = [[3, 4], [4, 6], [6, 8]].reduce((s, [i, o]) => s + 9 * i * o, 0);
  const head = 4 * 4 * 8 * 5 + 5 + 5 * 3 + 3;
  const withBn = buildModel(ModelSchema.parse({ arch: 'vgg', channels, dense: [5] }), [16, 16, 3], 3, 0);
  assert.equal(count(withBn.trainableWeights), convs + 2 * (4 + 6 + 8) + head, 'conv (no bias) + BN gamma/beta + head');
  assert.equal(count(withBn.nonTrainableWeights), 2 * (4 + 6 + 8));
  const plain = buildModel(ModelSchema.parse({ arch: 'vgg', channels, dense: [5], batch_norm: false }), [16, 16, 3], 3, 0);
  assert.equal(count(plain.trainableWeights), convs + (4 + 6 + 8) + head, 'conv with bias + head');
  assert.equal(count(plain.nonTrainableWeights), 0);
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 1);
  const all = (await (withBn.apply(x, { training: false }) as tf.Tensor).array()) as number[][];
  const one = (await (withBn.apply(tf.slice(x, 1, 1), { training: false }) as tf.Tensor).array()) as number[][];
  assert.equal(all[0].length, 3);
  one[0].forEach((v, k) => assert.ok(Math.abs(v - all[1][k]) <= 1e-5 * Math.max(1, Math.abs(v))));
  tf.dispose(x);
  withBn.dispose();
  plain.dispose();
});
