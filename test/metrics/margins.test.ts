import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
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

test('margin columns, analytic two-class case: f(x) = (w·x, 0), GC = ||w||², gc_margin = ||w||² / mean|w·x|²', async () => {
  await useBackend('cpu');
  const { geometricComplexity } = await import('../../src/metrics/gc.js');
  const { marginColumnsOf } = await import('../../src/train/columns/gc.js');
  const w = tf.tensor2d([[3, 0], [4, 0]]); // [d=2, C=2]: logits (3x₁ + 4x₂, 0)
  const f = (x: tf.Tensor) => tf.matMul(tf.reshape(x, [x.shape[0], 2]), w) as tf.Tensor2D;
  // margins: label 0 at (1, 0): 3; label 1 at (0, 1): 0 − 4 = −4; label 0 at (−1, 1): 1
  const examples = { x: new Float32Array([1, 0, 0, 1, -1, 1]), y: new Int32Array([0, 1, 0]), n: 3, shape: [1, 2, 1] as [number, number, number] };
  const gc = await geometricComplexity(f, examples, 2, 2);
  assert.ok(Math.abs(gc - 25) < 1e-5, String(gc));
  const m = await marginColumnsOf(f, examples, 2, gc);
  assert.ok(Math.abs(m.margin_mean - 0) < 1e-6, String(m.margin_mean));
  assert.ok(Math.abs(m.margin_abs_mean - 8 / 3) < 1e-6);
  assert.ok(Math.abs(m.logit_sq - (9 + 16 + 1) / 3) < 1e-5);
  assert.ok(Math.abs(m.gc_margin - 25 / (64 / 9)) < 1e-4, String(m.gc_margin));
  w.dispose();
});

test('gc_margin is invariant to the logit scale (logits × c), raw GC and logit_sq scale by c²', async () => {
  await useBackend('cpu');
  const { geometricComplexity } = await import('../../src/metrics/gc.js');
  const { marginColumnsOf } = await import('../../src/train/columns/gc.js');
  const { Rng } = await import('../../src/rng/rng.js');
  const rng = new Rng(4);
  const [n, d, c] = [12, 6, 4];
  const W1 = tf.tensor2d(Array.from({ length: d * 8 }, () => rng.normal()), [d, 8]);
  const W2 = tf.tensor2d(Array.from({ length: 8 * c }, () => rng.normal()), [8, c]);
  const net = (scale: number) => (x: tf.Tensor) => tf.mul(tf.matMul(tf.relu(tf.matMul(tf.reshape(x, [x.shape[0], d]), W1)), W2), scale) as tf.Tensor2D;
  const examples = { x: Float32Array.from({ length: n * d }, () => rng.normal()), y: Int32Array.from({ length: n }, (_, i) => i % c), n, shape: [1, d, 1] as [number, number, number] };
  const at = async (s: number) => {
    const gc = await geometricComplexity(net(s), examples, c, 5);
    return { gc, ...(await marginColumnsOf(net(s), examples, 5, gc)) };
  };
  const a = await at(1);
  const b = await at(7.5);
  assert.ok(Math.abs(b.gc / a.gc - 7.5 ** 2) < 1e-3 * 7.5 ** 2);
  assert.ok(Math.abs(b.logit_sq / a.logit_sq - 7.5 ** 2) < 1e-3 * 7.5 ** 2);
  assert.ok(Math.abs(b.margin_abs_mean / a.margin_abs_mean - 7.5) < 1e-4 * 7.5);
  assert.ok(Math.abs(b.gc_margin - a.gc_margin) < 1e-4 * a.gc_margin, `${b.gc_margin} vs ${a.gc_margin}`);
  const { marginNormalizedGc } = await import('../../src/metrics/margins.js');
  assert.ok(Number.isNaN(marginNormalizedGc(3, 0)), 'no margin scale: NaN, not Infinity');
  tf.dispose([W1, W2]);
});
