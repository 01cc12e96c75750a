import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { RunConfigSchema } from '../../src/config/schema.js';
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

for (const arch of ['mlp', 'cnn'] as const) {
  test(`${arch}: tensor count stays flat across epochs, with weight decay and momentum`, async () => {
    await useBackend('cpu');
    const cfg = RunConfigSchema.parse({
      experiment: 'mem',
      model: { arch, ...(arch === 'cnn' ? { channels: [4] } : { widths: [8] }) },
      optimizer: { lr: 0.05, momentum: 0.9 },
      train: { batch_size: 10, epochs: 4 },
      gc: { examples: 12, batch_size: 5 },
      regularizers: { weight_decay: 0.01 },
    });
    const model = buildModel(cfg.model, [8, 8, 1], 3, 0);
    const trainer = new Trainer(cfg, model, { train: synthetic(35, 1), test: synthetic(20, 2), classes: 3 });
    const counts: number[] = [];
    for (let e = 0; e < 4; e++) {
      const r = await trainer.trainEpoch();
      assert.ok(Number.isFinite(r.loss));
      await trainer.measure();
      counts.push(tf.memory().numTensors);
    }
    // Momentum slots appear during the first epoch; from then on the count must not move.
    assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]], `tensor counts ${counts}`);
    const before = tf.memory().numTensors;
    trainer.dispose();
    assert.ok(tf.memory().numTensors < before);
  });
}

test('training lowers the loss on a learnable problem and is deterministic per seed', async () => {
  await useBackend('cpu');
  const cfg = RunConfigSchema.parse({
    experiment: 'det',
    model: { arch: 'mlp', widths: [16] },
    optimizer: { lr: 0.5 },
    train: { batch_size: 8, epochs: 5 },
    gc: { examples: 8, batch_size: 8 },
  });
  // Class = which half of the image is brighter: learnable by an MLP.
  const make = (n: number, seed: number): Split => {
    const rng = new Rng(seed);
    const y = Int32Array.from({ length: n }, () => rng.int(2));
    const x = new Float32Array(n * 16);
    for (let i = 0; i < n; i++) for (let j = 0; j < 16; j++) x[i * 16 + j] = rng.uniform() * 0.5 + ((j < 8) === (y[i] === 1) ? 0.5 : 0);
    return { x, y, n, shape: [4, 4, 1] };
  };
  const runOnce = async () => {
    const t = new Trainer(cfg, buildModel(cfg.model, [4, 4, 1], 2, cfg.seed), { train: make(64, 1), test: make(32, 2), classes: 2 });
    const losses = [];
    for (let e = 0; e < 5; e++) losses.push((await t.trainEpoch()).loss);
    const { gc_seconds: _wallClock, ...m } = await t.measure();
    t.dispose();
    return { losses, m };
  };
  const a = await runOnce();
  const b = await runOnce();
  assert.deepEqual(a, b, 'same seed must reproduce the same numbers');
  assert.ok(a.losses[4] < a.losses[0] * 0.7, `loss should fall: ${a.losses}`);
  assert.ok(a.m.test_acc > 0.8, `test accuracy ${a.m.test_acc}`);
  assert.ok(a.m.gc !== null && a.m.gc > 0);
});
