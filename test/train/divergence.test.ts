import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { divergenceReason, LOSS_BLOWUP_FACTOR, WEIGHT_BLOWUP_FACTOR } from '../../src/train/divergence.js';
import { gcRun, record, runDirs } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

const base = { loss: 2.3, weight_norm_sq: 80 };
const row = (r: Partial<Parameters<typeof divergenceReason>[0]>) => ({
  epoch: 3,
  train_loss: 0.5,
  test_loss: 0.6,
  gc: 12,
  weight_norm_sq: 90,
  ...r,
});

test('divergence rule: a healthy row is not diverged; not measuring GC (null) is fine', () => {
  assert.equal(divergenceReason(row({}), base), null);
  assert.equal(divergenceReason(row({ gc: null }), base), null);
  assert.equal(divergenceReason(row({ epoch: 0, train_loss: null }), null), null);
});

test('divergence rule: any non-finite loss, GC or weight norm, even without a baseline', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const key of ['train_loss', 'test_loss', 'gc', 'weight_norm_sq'] as const) {
      const why = divergenceReason(row({ [key]: bad }), null);
      assert.match(why ?? '', /non-finite .* at epoch 3/, `${key} = ${bad}`);
    }
  }
});

test(`divergence rule: train loss above ${LOSS_BLOWUP_FACTOR}x the epoch-0 loss, not at or below it`, () => {
  assert.equal(divergenceReason(row({ train_loss: LOSS_BLOWUP_FACTOR * base.loss }), base), null);
  const why = divergenceReason(row({ train_loss: LOSS_BLOWUP_FACTOR * base.loss * 1.01 }), base);
  assert.match(why ?? '', /train loss 232\.3 at epoch 3 exceeds 100x the epoch-0 loss 2\.3/);
  // A large but finite test loss alone (overconfident mistakes) is not divergence.
  assert.equal(divergenceReason(row({ test_loss: 1e6 }), base), null);
});

test(`divergence rule: GC exactly 0 with weights over ${WEIGHT_BLOWUP_FACTOR}x their start is a collapse; GC 0 with normal weights is not`, () => {
  const why = divergenceReason(row({ gc: 0, weight_norm_sq: 1e30 }), base);
  assert.match(why ?? '', /GC collapsed to 0 at epoch 3 with squared weight norm 1e\+30/);
  assert.equal(divergenceReason(row({ gc: 0, weight_norm_sq: WEIGHT_BLOWUP_FACTOR * base.weight_norm_sq }), base), null);
  assert.equal(divergenceReason(row({ gc: 1e-9, weight_norm_sq: 1e30 }), base), null, 'a tiny positive GC is a measurement');
});

test('gc-run: lr 1e6 on an MLP of width 32 (finite huge weights, GC 0) is diverged with its reason in run.json; lr 0.1 completes', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out));
    const r = gcRun([file, '--progress', 'none', '--set', 'model.widths=[32]', '--set', 'sweep.grid.optimizer.lr=[1e6, 0.1]'], dir);
    assert.equal(r.status, 1, r.stderr);
    const dirs = runDirs(out);
    const bad = dirs.find((d) => basename(d).startsWith('lr=1000000'))!;
    const ok = dirs.find((d) => basename(d).startsWith('lr=0.1'))!;
    assert.equal(record(ok).status, 'complete');
    const rec = record(bad);
    assert.equal(rec.status, 'diverged');
    assert.equal(rec.error.epoch, 1);
    assert.match(rec.error.message, /epoch 1/);
    assert.ok(!existsSync(join(bad, 'checkpoint')), 'a diverged run keeps no weights');
    assert.match(r.stderr, /diverged: lr=1000000/);
  } finally {
    cleanup();
  }
});
