import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { RunConfigSchema } from '../../src/config/schema.js';
import { RunFailure } from '../../src/errors/errors.js';
import { buildModel } from '../../src/models/build.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/rng/rng.js';
import type { Split } from '../../src/data/split.js';
import { useBackend } from '../helpers/tf.js';

function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * 8 * 8 }, () => rng.uniform());
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { x, y, n, shape: [8, 8, 1] };
}

function trainer(arch: 'mlp' | 'cnn', regularizers: object, activation = 'relu'): Trainer {
  const cfg = RunConfigSchema.parse({
    experiment: 'pen',
    model: { arch, activation, ...(arch === 'cnn' ? { channels: [4] } : { widths: [8] }) },
    optimizer: { lr: 0.05, momentum: 0.9 },
    train: { batch_size: 10, epochs: 4 },
    gc: { examples: 12, batch_size: 6 },
    regularizers,
  });
  return new Trainer(cfg, buildModel(cfg.model, [8, 8, 1], 3, 0), { train: synthetic(30, 1), test: synthetic(10, 2), classes: 3 });
}

const COLUMN: Record<string, number> = { spectral: 1, flatness: 2, gc: 3 };

for (const arch of ['mlp', 'cnn'] as const) {
  for (const [key, lambda] of [['flatness', 1], ['gc', 1], ['spectral', 3]] as const) {
    test(`${arch} on cpu: a large ${key} penalty falls over a few epochs`, async () => {
      await useBackend('cpu');
      const t = trainer(arch, { [key]: lambda });
      const values: number[] = [];
      for (let e = 0; e < 3; e++) values.push((await t.trainEpoch()).penalties[COLUMN[key]]);
      t.dispose();
      assert.ok(values.every(Number.isFinite) && values[0] > 0, `${values}`);
      assert.ok(values[2] < 0.8 * values[0], `${key} penalty should fall: ${values}`);
    });
  }
  test(`${arch}: tensor count flat across epochs with every penalty on; spectral columns measured`, async () => {
    await useBackend('cpu');
    const t = trainer(arch, { weight_decay: 0.01, spectral: 0.1, flatness: 0.1, gc: 0.01, spectral_power_iters: 2 });
    const counts: number[] = [];
    for (let e = 0; e < 3; e++) {
      const r = await t.trainEpoch();
      assert.ok(r.penalties.every((v) => Number.isFinite(v) && v > 0), `${r.penalties}`);
      const m = await t.measure();
      assert.ok(m.spectral_max > 0 && m.spectral_sum >= m.spectral_max);
      counts.push(tf.memory().numTensors);
    }
    // Momentum slots appear during the first epoch; from then on the count must not move.
    assert.deepEqual(counts.slice(1), [counts[1], counts[1]], `tensor counts ${counts}`);
    const before = tf.memory().numTensors;
    t.dispose();
    assert.ok(tf.memory().numTensors < before);
  });
}

test('tanh mlp: flatness and GC penalties train (second derivatives through tanh)', async () => {
  await useBackend('cpu');
  const t = trainer('mlp', { flatness: 1, gc: 1 }, 'tanh');
  const a = (await t.trainEpoch()).penalties;
  await t.trainEpoch();
  const b = (await t.trainEpoch()).penalties;
  t.dispose();
  assert.ok(b[2] < a[2] && b[3] < a[3], `${a} → ${b}`);
});

test('wasm: mlp trains with flatness + GC penalties; cnn fails with a RunFailure naming op, arch and backend', async () => {
  await useBackend('wasm');
  const m = trainer('mlp', { flatness: 0.1, gc: 0.1 });
  const r = await m.trainEpoch();
  m.dispose();
  assert.ok(Number.isFinite(r.loss) && r.penalties[2] > 0 && r.penalties[3] > 0);
  const c = trainer('cnn', { flatness: 0.1 });
  await assert.rejects(c.trainEpoch(), (err: unknown) => {
    assert.ok(err instanceof RunFailure, String(err));
    assert.match(err.message, /model\.arch=cnn/);
    assert.match(err.message, /backend 'wasm'/);
    assert.match(err.message, /op '\w+'/);
    return true;
  });
  c.dispose();
});
