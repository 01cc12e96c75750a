import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { margins, marginStats } from '../../src/metrics/margins.js';
import { useBackend } from '../helpers/tf.js';

test('margins: f_y − max over the other classes, by hand; statistics by hand', async () => {
  await useBackend('cpu');
  const logits = tf.tensor2d([[3, 1, 2], [0, 5, 5], [-1, -2, -4], [1, 2, 3]]);
  const y = tf.tensor1d([0, 1, 2, 0], 'int32');
  const before = tf.memory().numTensors;
  const m = margins(logits, y);
  assert.deepEqual(Array.from(await m.data()), [1, 0, -3, -2]);
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([logits, y]);
  const s = marginStats([1, 0, -3, -2]);
  assert.equal(s.mean, -1);
  assert.equal(s.min, -3);
  assert.equal(s.max, 1);
  assert.equal(s.median, -1);
  assert.ok(Math.abs(s.p10 - (-3 + 0.3 * 1)) < 1e-12, String(s.p10));
  assert.ok(Math.abs(s.std - Math.sqrt((4 + 1 + 4 + 1) / 4)) < 1e-12);
  assert.equal(s.nonpositive, 0.75);
});
