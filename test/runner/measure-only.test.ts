import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { csvRows, gcRun, record, runDirs } from '../helpers/cli.js';

test('train.epochs 0 is a measure-only run: epoch 0 measured (GC included), complete, no checkpoint; run.json has the parameter count; a re-run skips it', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: cpu
dataset: { name: fashion-mnist, train_size: 60, test_size: 20 }
model: { arch: mlp, widths: [8], depth: 2 }
optimizer: { lr: 0.1 }
train: { batch_size: 16, epochs: 0 }
gc: { examples: 8, batch_size: 8 }
sweep: { grid: { model.width: [3, 5] }, seeds: [0] }
`);
    const plan = gcRun([file, '--dry-run', '--json'], dir);
    assert.equal(plan.status, 0, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).runs.length, 2);
    assert.ok(!existsSync(out), 'the dry run writes nothing');
    const r = gcRun([file], dir);
    assert.equal(r.status, 0, r.stderr);
    const dirs = runDirs(out);
    assert.equal(dirs.length, 2);
    const hand = (w: number) => 784 * w + w + w * w + w + w * 10 + 10;
    dirs.forEach((d, i) => {
      const rec = record(d);
      assert.equal(rec.status, 'complete');
      assert.equal(rec.epochs_total, 0);
      assert.equal(rec.parameters, hand([3, 5][i]), d);
      const rows = csvRows(d);
      assert.equal(rows.length, 1);
      assert.equal(rows[0][0], '0');
      assert.ok(Number(rows[0][7]) > 0, 'GC measured at epoch 0');
      assert.ok(!existsSync(join(d, 'checkpoint')));
      assert.ok(existsSync(join(d, 'model', 'model.json')), 'the initial model is saved as the final model');
    });
    const again = gcRun([file], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /2 already complete/);
  } finally {
    cleanup();
  }
});
