import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportCommand } from '../../src/cli/report.js';
import { parseCsv } from '../../src/report/csv.js';
import { writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { captureIo } from '../helpers/cli.js';

const capture = captureIo;

test('a complete run with a header-only metrics.csv, or with repeated epoch rows, is warned about and marked invalid, not done', async () => {
  const root = tempDir('gc-report-invalid-').dir;
  const lr = (v: number) => ({ 'optimizer.lr': v });
  for (const seed of [0, 1]) writeRun(root, { experiment: 'x', seed, swept: lr(0.1), status: 'complete', rows: curve(20, 10 + seed, 0.8) });
  const empty = writeRun(root, { experiment: 'x', seed: 2, swept: lr(0.1), status: 'complete', rows: [] });
  const rows = curve(20, 99, 0.8);
  const dup = writeRun(root, { experiment: 'x', seed: 0, swept: lr(1), status: 'complete', rows: [...rows.slice(0, 3), rows[2], ...rows.slice(3)] });
  const c = capture();
  assert.equal(await reportCommand([root, '--json'], c.io), 0, c.err());

  const warnings = c.err().split('\n').filter((l) => l.includes('warning'));
  const emptyWarn = warnings.filter((l) => l.includes(empty));
  const dupWarn = warnings.filter((l) => l.includes(dup));
  assert.equal(emptyWarn.length, 1, c.err());
  assert.match(emptyWarn[0], /^gc-report: warning: .*metrics\.csv: header only, no epoch rows.*counted invalid/);
  assert.equal(dupWarn.length, 1, c.err());
  assert.match(dupWarn[0], /metrics\.csv: epoch 2 has more than one row/);

  const doc = JSON.parse(c.out());
  const [g01, g1] = doc.sweeps[0].groups;
  assert.deepEqual(g01.counts, { done: 2, failed: 0, incomplete: 0, invalid: 1 });
  assert.deepEqual(g01.final_gc, { mean: 10.5, std: Math.SQRT1_2, n: 2 }, 'the empty run is not a done value');
  assert.deepEqual(g1.counts, { done: 0, failed: 0, incomplete: 0, invalid: 1 });
  assert.deepEqual(g1.final_gc, { mean: null, std: null, n: 0 }, 'the run with a repeated epoch is not averaged');
  const invalid = doc.sweeps[0].runs.filter((r: any) => r.state === 'invalid');
  assert.equal(invalid.length, 2);
  assert.ok(invalid.every((r: any) => r.status === 'complete' && r.problems.length === 1));

  const summary = parseCsv(readFileSync(join(root, 'report', 'summary.csv'), 'utf8'), 'summary.csv');
  assert.deepEqual(summary.rows.map((r) => r[summary.header.indexOf('invalid')]), ['1', '1']);
  const runs = parseCsv(readFileSync(join(root, 'report', 'runs.csv'), 'utf8'), 'runs.csv');
  assert.equal(runs.rows.filter((r) => r[runs.header.indexOf('state')] === 'invalid').length, 2);
  const md = readFileSync(join(root, 'report', 'report.md'), 'utf8');
  assert.match(md, /COMPLETE \(invalid\)/);
  assert.match(md, /2\/0\/0 \(\+1 invalid\)/);
  assert.match(readFileSync(join(root, 'report', 'report.html'), 'utf8'), /badge invalid/);
  rmSync(root, { recursive: true, force: true });
});

test('an interrupted or failed run killed mid-append (torn last line) still reads', async () => {
  const root = tempDir('gc-report-torn-').dir;
  writeRun(root, { experiment: 'x', seed: 0, swept: { 'optimizer.lr': 0.1 }, status: 'complete', rows: curve(20, 10, 0.8) });
  const dir = writeRun(root, { experiment: 'x', seed: 1, swept: { 'optimizer.lr': 0.1 }, status: 'interrupted', rows: curve(20, 10, 0.8, 2) });
  const file = join(dir, 'metrics.csv');
  writeFileSync(file, readFileSync(file, 'utf8') + '3,30,0.0');
  const c = capture();
  assert.equal(await reportCommand([root, '--json'], c.io), 0, c.err());
  const run = JSON.parse(c.out()).sweeps[0].runs.find((r: any) => r.status === 'interrupted');
  assert.equal(run.state, 'incomplete');
  assert.equal(run.final_epoch, 2);
  rmSync(root, { recursive: true, force: true });
});

test('a report read while a run trains shows its rows up to run.json\'s epochs_done (the next row is appended first): final_epoch never ahead of epochs_done', async () => {
  const root = tempDir('gc-report-live-').dir;
  try {
    const dir = writeRun(root, { experiment: 'x', seed: 0, swept: { 'optimizer.lr': 0.1 }, status: 'running', rows: curve(20, 10, 0.8, 4) });
    // The runner has appended the epoch-4 row but not yet saved run.json (epochs_done 3).
    const rec = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...rec, epochs_done: 3 }));
    const c = capture();
    assert.equal(await reportCommand([root, '--json'], c.io), 0, c.err());
    const [run] = JSON.parse(c.out()).sweeps[0].runs;
    assert.equal(run.epochs_done, 3);
    assert.equal(run.final_epoch, 2, 'gc last measured at epoch 2 among the settled rows (epoch 4 is not yet the run\'s)');
    const runsCsv = readFileSync(join(root, 'report', 'runs.csv'), 'utf8');
    assert.doesNotMatch(runsCsv, /,4,[^\n]*,3,5,/, 'no final_epoch 4 beside epochs_done 3');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
