import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfigSchema } from '../../src/config/schema.js';
import { gcRun } from '../../src/cli/gc-run.js';
import { flowTimeSteps } from '../../src/train/flow-time.js';
import { tempDir } from '../helpers/tmp.js';

const cfgWith = (lr: number, flow_time?: number) =>
  RunConfigSchema.parse({ experiment: 'f', model: { arch: 'mlp' }, optimizer: { lr }, train: { batch_size: 8, epochs: 3, flow_time } });

test('flowTimeSteps: the first step with lr × steps ≥ flow_time; float ratios within 1e-9 of an integer are that integer', () => {
  assert.equal(flowTimeSteps(cfgWith(0.1, 1)), 10);
  assert.equal(flowTimeSteps(cfgWith(0.01, 120)), 12000);
  assert.equal(flowTimeSteps(cfgWith(0.3, 0.9)), 3); // 0.9 / 0.3 = 3.0000000000000004
  assert.equal(flowTimeSteps(cfgWith(0.3, 1)), 4); // 3.33… → 4
  assert.equal(flowTimeSteps(cfgWith(0.1)), Infinity);
});

test('a flow-time run with MSE ends mid-epoch at step ⌈T/lr⌉, with GC and margin columns there, and says so in run.json', async () => {
  const { dir, cleanup } = tempDir('flow-time');
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    // 64 examples in batches of 16: 4 steps an epoch; T = 0.6 at lr 0.1 is 6 steps: epoch 2 stops after 2 of its 4.
    writeFileSync(file, [
      'experiment: flow', `output_dir: ${out}`, 'backend: cpu',
      'dataset: { name: fashion-mnist, train_size: 64, test_size: 40 }',
      'model: { arch: mlp, widths: [16] }', 'optimizer: { lr: 0.1 }',
      'train: { batch_size: 16, epochs: 5, loss: mse, flow_time: 0.6 }',
      'gc: { examples: 16, batch_size: 8, every: 1000 }',
    ].join('\n'));
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    await gcRun([file, '--progress', 'none'], { stdout: sink, stderr: sink });
    const [run] = readdirSync(join(out, 'flow'));
    const rec = JSON.parse(readFileSync(join(out, 'flow', run, 'run.json'), 'utf8'));
    assert.equal(rec.status, 'complete');
    assert.deepEqual(rec.flow_time_reached, { epoch: 2, step: 6, flow_time: 0.6 });
    const [head, ...lines] = readFileSync(join(out, 'flow', run, 'metrics.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    assert.deepEqual(rows.map((r) => [r.epoch, r.step]), [['0', '0'], ['1', '4'], ['2', '6']]);
    for (const c of ['gc', 'margin_mean', 'margin_abs_mean', 'gc_margin', 'logit_sq']) {
      assert.notEqual(rows[2][c], '', `${c} measured at the end`);
      assert.equal(rows[1][c], '', `${c} not measured at epoch 1`);
    }
    const gcm = Number(rows[2].gc) / Number(rows[2].margin_abs_mean) ** 2;
    assert.ok(Math.abs(Number(rows[2].gc_margin) - gcm) < 1e-9 * gcm);
    // MSE at initialisation is about (1/2C)·(||z||² + 1), far below CE's ≈ ln 10.
    assert.ok(Number(rows[0].test_loss) < 1.5, `test_loss ${rows[0].test_loss} is the MSE, not cross-entropy`);
  } finally {
    cleanup();
  }
});
