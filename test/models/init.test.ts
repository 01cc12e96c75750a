import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { ModelSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { drawKernel, fans } from '../../src/models/init.js';
import { Rng } from '../../src/rng/rng.js';
import { useBackend } from '../helpers/tf.js';

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

for (const arch of ['mlp', 'cnn'] as const) {
  test(`${arch}: same seed → identical weights; other seed → different weights`, async () => {
    await useBackend('cpu');
    const cfg = ModelSchema.parse({ arch });
    const a = buildModel(cfg, [28, 28, 1], 10, 5);
    const b = buildModel(cfg, [28, 28, 1], 10, 5);
    const c = buildModel(cfg, [28, 28, 1], 10, 6);
    const [wa, wb, wc] = await Promise.all([weightsOf(a), weightsOf(b), weightsOf(c)]);
    assert.equal(wa.length, wb.length);
    wa.forEach((w, i) => assert.deepEqual(w, wb[i], `weight ${i} differs for the same seed`));
    assert.notDeepEqual(wa[0], wc[0]);
    const out = a.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(out.shape, [2, 10]);
    tf.dispose(out);
    [a, b, c].forEach((m) => m.dispose());
  });
}

test('initializer std follows the scheme and scales linearly with init.scale', () => {
  const shape = [3, 3, 16, 32];
  const { fanIn, fanOut } = fans(shape);
  assert.equal(fanIn, 144);
  assert.equal(fanOut, 288);
  const std = (v: Float32Array) => {
    const m = v.reduce((a, x) => a + x, 0) / v.length;
    return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / v.length);
  };
  const expected: Record<string, number> = {
    he_normal: Math.sqrt(2 / fanIn),
    he_uniform: Math.sqrt(2 / fanIn),
    lecun_normal: Math.sqrt(1 / fanIn),
    glorot_uniform: Math.sqrt(2 / (fanIn + fanOut)),
  };
  for (const [scheme, s0] of Object.entries(expected)) {
    for (const scale of [0.1, 1, 3]) {
      const w = drawKernel(shape, { scheme: scheme as 'he_normal', scale }, new Rng(9));
      const rel = Math.abs(std(w) - s0 * scale) / (s0 * scale);
      assert.ok(rel < 0.03, `${scheme} scale ${scale}: std ${std(w)} vs ${s0 * scale}`);
    }
    // Exactly linear: the same stream scaled.
    const w1 = drawKernel(shape, { scheme: scheme as 'he_normal', scale: 1 }, new Rng(9));
    const w3 = drawKernel(shape, { scheme: scheme as 'he_normal', scale: 3 }, new Rng(9));
    w1.forEach((v, i) => assert.ok(Math.abs(w3[i] - 3 * v) <= 1e-6 * Math.max(1, Math.abs(3 * v))));
  }
});
