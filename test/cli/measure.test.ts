import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { gcRun, record, runDirs } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const MEASURE = join(packageRoot(), 'bin', 'gc-measure.js');

function gcMeasure(args: string[], cwd: string) {
  return spawnSync(process.execPath, [MEASURE, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
}

/** metrics.csv rows as column → cell text (exact digits as logged). */
function rows(dir: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  return lines.map((l) => Object.fromEntries(head.map((h, i) => [h, l[i]])));
}

test('gc-measure reproduces logged GC exactly (final model and snapshots, exact and projection), test loss/accuracy, classes; bad input is one line, exit 2', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'c.yaml'), `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: wasm
dataset: { name: fashion-mnist, train_size: 100, test_size: 50 }
model: { arch: mlp, widths: [12], activation: tanh }
optimizer: { lr: 0.1 }
train: { batch_size: 20, epochs: 3, save_every: 2 }
gc: { examples: 24, batch_size: 10, projections: 3 }
metrics: { neural_collapse: true, nc_examples: 30 }
sweep: { grid: { gc.method: [exact, projection] } }
`);
    const r = gcRun([join(dir, 'c.yaml'), '--progress', 'none'], dir);
    assert.equal(r.status, 0, r.stderr);
    const runs = runDirs(out);
    assert.equal(runs.length, 2);
    for (const run of runs) {
      assert.equal(record(run).status, 'complete');
      const logged = rows(run);
      assert.ok(logged.every((row) => Number(row.cdnv) > 0 && Number(row.embedding_gc) > 0), 'neural-collapse columns filled');
      const method = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).gc.method;
      const m = gcMeasure([run, '--json'], dir);
      assert.equal(m.status, 0, m.stderr);
      const res = JSON.parse(m.stdout);
      assert.equal(res.gc.method, method);
      assert.equal(String(res.gc.value), logged[3].gc, `${method}: final GC to the digit`);
      assert.equal(res.gc.logged, Number(logged[3].gc));
      assert.equal(res.examples.n, 24);
      const snap = JSON.parse(gcMeasure([join(run, 'snapshots', 'epoch-0002'), '--json'], dir).stdout);
      assert.equal(String(snap.gc.value), logged[2].gc, `${method}: epoch-2 snapshot GC to the digit`);
      assert.equal(snap.epoch, 2);
    }
    const run = runs[0];
    const last = rows(run)[3];
    // The saved model's predictions are the trained model's: same test loss and accuracy as logged.
    const t = JSON.parse(gcMeasure([run, '--split', 'test', '--examples', 'all', '--json'], dir).stdout);
    assert.equal(t.examples.n, 50);
    assert.equal(String(t.loss), last.test_loss);
    assert.equal(String(t.accuracy), last.test_acc);
    assert.ok(t.margin.mean > t.margin.min && t.margin.nonpositive >= 1 - t.accuracy - 1e-12);
    assert.equal(t.neural_collapse, null);
    // Classes subset: only those examples; neural collapse measured.
    const c = JSON.parse(gcMeasure([join(run, 'model', 'model.json'), '--dataset', 'fashion-mnist', '--classes', '5-9', '--examples', 'all', '--json'], dir).stdout);
    assert.equal(c.examples.n, 50, '10 per class of the run’s 100 stratified training examples');
    assert.deepEqual(c.examples.classes, [5, 6, 7, 8, 9]);
    assert.ok(c.neural_collapse.cdnv > 0 && c.neural_collapse.embedding_gc > 0 && c.neural_collapse.embedding_dim === 12);
    // Text output names the reproduction.
    assert.match(gcMeasure([run], dir).stdout, /reproduced exactly/);

    const bare = join(dir, 'bare');
    cpSync(join(run, 'model'), bare, { recursive: true });
    const noModel = join(dir, 'copy');
    cpSync(run, noModel, { recursive: true });
    rmSync(join(noModel, 'model'), { recursive: true });
    for (const [args, pattern] of [
      [[join(dir, 'nope')], /no such file or folder/],
      [[run, '--examples', 'abc'], /--examples abc: expected a positive integer or 'all'/],
      [[run, '--examples', '1000'], /only 100 examples/],
      [[run, '--classes', '0,12'], /--classes 0,12: expected class indices/],
      [[run, '--split', 'validation'], /validation/],
      [[bare], /needs --dataset/],
      [[noModel], /run has no saved model/],
    ] as const) {
      const b = gcMeasure([...args], dir);
      assert.equal(b.status, 2, `${args.join(' ')}: ${b.stderr}`);
      assert.match(b.stderr, pattern);
      assert.equal(b.stderr.trim().split('\n').length, 1, `one line: ${b.stderr}`);
      assert.equal(b.stdout, '');
    }
  } finally {
    cleanup();
  }
});
