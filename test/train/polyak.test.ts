import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { RunConfigSchema } from '../../src/config/schema.js';
import { withoutDefaults } from '../../src/config/defaults.js';
import { buildModel } from '../../src/models/build.js';
import { PolyakOptimizer } from '../../src/train/polyak.js';
import { Trainer } from '../../src/train/trainer.js';
import { STEP_SIZE_COLUMNS } from '../../src/results/columns.js';
import { Rng } from '../../src/rng/rng.js';
import type { Split } from '../../src/data/split.js';
import { useBackend } from '../helpers/tf.js';

/** One Polyak step on L(θ) = ½ θᵀ diag(a) θ from θ0; returns h and θ1. */
async function stepOnQuadratic(a: number[], theta0: number[], lrMax: number, c: number): Promise<{ h: number; theta: number[] }> {
  const theta = tf.variable(tf.tensor1d(theta0));
  const diag = tf.tensor1d(a);
  const opt = new PolyakOptimizer(lrMax, c);
  const before = tf.memory().numTensors;
  const h = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.mul(0.5, tf.sum(tf.mul(diag, tf.square(theta)))) as tf.Scalar, [theta]);
    return opt.polyakStep(value, grads);
  });
  const out = { h: (await h.data())[0], theta: Array.from(await theta.data()) };
  h.dispose();
  assert.ok(tf.memory().numTensors <= before + 1, 'only the iteration counter may be new');
  tf.dispose([theta, diag]);
  opt.dispose();
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: Polyak step on a quadratic equals its closed form h = min(lr_max, c·L/‖∇L‖²), and the update is θ − h∇L`, async () => {
    await useBackend(backend);
    // Isotropic a·I: L = ½a‖θ‖², ‖∇L‖² = a²‖θ‖², h = c/(2a) whatever θ; with c = 1, a = 4: h = 1/8, θ1 = θ0/2.
    const iso = await stepOnQuadratic([4, 4, 4], [1, -2, 0.5], 1, 1);
    assert.ok(Math.abs(iso.h - 0.125) < 1e-7, String(iso.h));
    iso.theta.forEach((v, i) => assert.ok(Math.abs(v - [0.5, -1, 0.25][i]) < 1e-6, `θ ${iso.theta}`));
    // diag(1, 3) at θ = (1, 1): L = 2, ∇L = (1, 3), ‖∇L‖² = 10, h = c·2/10 = 0.3 for c = 1.5.
    const an = await stepOnQuadratic([1, 3], [1, 1], 1, 1.5);
    assert.ok(Math.abs(an.h - 0.3) < 1e-7, String(an.h));
    assert.ok(Math.abs(an.theta[0] - 0.7) < 1e-6 && Math.abs(an.theta[1] - 0.1) < 1e-6, `θ ${an.theta}`);
    // Capped by lr_max.
    const capped = await stepOnQuadratic([1, 3], [1, 1], 0.05, 1.5);
    assert.ok(Math.abs(capped.h - 0.05) < 1e-7, String(capped.h));
    // At the optimum (∇L = 0): h = lr_max, θ unchanged (no NaN from 0/0).
    const flat = await stepOnQuadratic([1, 3], [0, 0], 0.5, 1);
    assert.equal(flat.h, 0.5);
    assert.deepEqual(flat.theta, [0, 0]);
  });
}

test('optimizer config: polyak validates lr_max and c; sgd configs keep their run-id form (name and momentum stripped)', () => {
  const base = { experiment: 'x', model: { arch: 'mlp' }, train: { batch_size: 8, epochs: 1 } };
  const sgd = RunConfigSchema.parse({ ...base, optimizer: { lr: 0.1 } });
  assert.deepEqual(withoutDefaults(RunConfigSchema, sgd).optimizer, { lr: 0.1 });
  const p = RunConfigSchema.parse({ ...base, optimizer: { name: 'polyak', lr_max: 2 } });
  assert.deepEqual(p.optimizer, { name: 'polyak', lr_max: 2, c: 1 });
  assert.ok(!RunConfigSchema.safeParse({ ...base, optimizer: { name: 'polyak', lr: 1 } }).success);
  assert.ok(!RunConfigSchema.safeParse({ ...base, optimizer: { name: 'polyak', lr_max: 1, c: 0 } }).success);
});

function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const x = Float32Array.from({ length: n * 16 }, (_, i) => rng.uniform() + (Math.floor((i % 16) / 6) === y[Math.floor(i / 16)] ? 1 : 0));
  return { x, y, n, shape: [4, 4, 1] };
}

test('trainer with optimizer polyak and metrics.neural_collapse: step_size_* and cdnv/embedding_gc measured, loss falls, tensor count flat', async () => {
  await useBackend('wasm');
  const cfg = RunConfigSchema.parse({
    experiment: 'polyak',
    model: { arch: 'mlp', widths: [8] },
    optimizer: { name: 'polyak', lr_max: 0.5, c: 0.5 },
    train: { batch_size: 10, epochs: 4 },
    gc: { examples: 12, batch_size: 5, every: 2 },
    metrics: { neural_collapse: true, nc_examples: 15 },
  });
  const trainer = new Trainer(cfg, buildModel(cfg.model, [4, 4, 1], 3, 0), { train: synthetic(40, 1), test: synthetic(21, 2), classes: 3 });
  assert.deepEqual(trainer.metricColumns, ['cdnv', 'embedding_gc', ...STEP_SIZE_COLUMNS]);
  const m0 = await trainer.measure();
  assert.equal(m0.step_size_mean, null, 'no steps at epoch 0');
  assert.ok(Number.isFinite(m0.cdnv) && m0.cdnv! > 0 && m0.embedding_gc! > 0);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let e = 1; e <= 4; e++) {
    losses.push((await trainer.trainEpoch()).loss);
    const m = await trainer.measure();
    counts.push(tf.memory().numTensors);
    assert.ok(m.step_size_min! > 0 && m.step_size_min! <= m.step_size_mean! && m.step_size_mean! <= m.step_size_max! && m.step_size_max! <= 0.5, JSON.stringify(m));
    assert.equal(m.cdnv === null, e % 2 === 1, `neural collapse measured with GC only (epoch ${e})`);
  }
  assert.ok(losses[3] < losses[0], `loss ${losses}`);
  assert.deepEqual(counts, [counts[0], counts[0], counts[0], counts[0]], `tensor counts ${counts}`);
  // The iteration counter is the optimizer's whole state, and it round-trips.
  const state = await trainer.getState();
  assert.equal(state.groups.optimizer.length, 1);
  trainer.dispose();
});
