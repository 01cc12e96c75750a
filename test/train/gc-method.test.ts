import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { RunConfigSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/rng/rng.js';
import type { Split } from '../../src/data/split.js';
import { relDiff, useBackend } from '../helpers/tf.js';

function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: n * 6 * 6 }, () => rng.uniform()),
    y: Int32Array.from({ length: n }, (_, i) => i % 5),
    n,
    shape: [6, 6, 1],
  };
}

function trainer(gc: Record<string, unknown>): Trainer {
  const cfg = RunConfigSchema.parse({
    experiment: 'gc-method',
    seed: 3,
    model: { arch: 'mlp', widths: [12] },
    optimizer: { lr: 0.1 },
    train: { batch_size: 8, epochs: 2 },
    gc: { examples: 16, batch_size: 8, ...gc },
  });
  return new Trainer(cfg, buildModel(cfg.model, [6, 6, 1], 5, cfg.seed), { train: synthetic(16, 1), test: synthetic(8, 2), classes: 5 });
}

test('Trainer.measureGc: projection is seeded per (run seed, epoch) and close to exact with many directions', async () => {
  await useBackend('cpu');
  const exact = trainer({ method: 'exact' });
  const proj = trainer({ method: 'projection', projections: 64 });
  const e = await exact.measureGc();
  const p0 = await proj.measureGc();
  assert.equal(await proj.measureGc(), p0, 'same epoch → same directions → same value');
  // 16 examples × 64 directions: relative standard error ≈ sqrt(2/(C+2)/1024) ≈ 1.6%.
  assert.ok(relDiff(p0, e) < 0.1, `projection ${p0} vs exact ${e}`);
  proj.epoch = 1;
  const p1 = await proj.measureGc();
  assert.notEqual(p1, p0, 'a new epoch draws new directions');
  assert.ok(relDiff(p1, e) < 0.1);
  const before = tf.memory().numTensors;
  await proj.measureGc();
  assert.equal(tf.memory().numTensors, before);
  exact.dispose();
  proj.dispose();
});
