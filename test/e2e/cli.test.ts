import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRun } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

test('gc-run end to end on a tiny sweep: run folders, CSV header, one row per epoch, finite positive GC', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, tinyConfigYaml(out, 'sweep: { grid: { optimizer.lr: [0.05, 0.2] }, seeds: [0] }\n'));
    const r = gcRun([file], dir);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /backend: cpu/);
    const runs = readdirSync(join(out, 'tiny')).sort();
    assert.equal(runs.length, 2);
    for (const id of runs) {
      const runDir = join(out, 'tiny', id);
      const lines = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
      assert.equal(
        lines[0],
        'epoch,step,lr,train_loss,train_acc,test_loss,test_acc,gc,weight_norm_sq,seconds,gc_seconds,' +
          'margin_mean,margin_abs_mean,gc_margin,logit_sq,l2_penalty,spectral_penalty,flatness_penalty,gc_penalty,spectral_max,spectral_sum',
      );
      assert.equal(lines.length, 1 + 3, 'header + epochs 0, 1, 2');
      const rows = lines.slice(1).map((l) => l.split(','));
      rows.forEach((cells, e) => {
        assert.equal(cells[0], String(e));
        const gc = Number(cells[7]);
        assert.ok(Number.isFinite(gc) && gc > 0, `GC at epoch ${e}: ${cells[7]}`);
        const acc = Number(cells[6]);
        assert.ok(acc >= 0 && acc <= 1);
      });
      assert.equal(rows[0][3], '', 'no train loss at initialisation');
      assert.equal(rows[2][1], String(2 * 4), '64 examples / batch 16 = 4 steps per epoch');
      const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
      assert.equal(record.status, 'complete');
      assert.equal(record.backend, 'cpu');
      assert.equal(record.epochs_done, 2);
      assert.ok(record.versions['tfjs-core'] && record.versions['tfjs-layers'] && record.versions.node);
      const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
      assert.equal(config.optimizer.lr, record.swept['optimizer.lr']);
      assert.equal(config.sweep, undefined);
    }
    // Re-running skips complete runs and leaves their CSVs alone.
    const again = gcRun([file], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /2 already complete/);
  } finally {
    cleanup();
  }
});

test('gc-run: an invalid config exits 2 with the dot path on stderr and writes nothing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, tinyConfigYaml(out).replace('lr: 0.1', 'lr: -1'));
    const r = gcRun([file], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /optimizer\.lr/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for bad input');
    assert.deepEqual(readdirSync(dir).sort(), ['bad.yaml']);
  } finally {
    cleanup();
  }
});

test('gc-run: an explicitly requested backend that cannot load exits 2', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
    const r = gcRun([file, '--backend', 'tensorflow-gpu'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /backend 'tensorflow-gpu' cannot be loaded/);
  } finally {
    cleanup();
  }
});
