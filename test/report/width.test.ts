import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport, loadSweeps } from '../../src/report/build.js';
import { reproJson, reproRows, reproText } from '../../src/report/repro.js';
import { runsCsv } from '../../src/report/tables.js';
import { seriesSpec, sizeCurvesSpec } from '../../src/report/plots-size.js';
import { HEADER, writeRun } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const WIDTHS = [2, 4, 8, 16, 32];

/** A width sweep: 3 seeds per width, test loss and GC at the last epoch (4) = curve[i] + seed offset. */
function writeWidthSweep(root: string, experiment: string, loss: number[], gc: number[], withParameters = true): void {
  WIDTHS.forEach((w, i) => {
    for (const seed of [0, 1, 2]) {
      const dir = writeRun(root, { experiment, seed, swept: { 'model.width': w }, status: 'complete', rows: [] });
      const rec = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...rec, epochs_done: 4, epochs_total: 4, ...(withParameters ? { parameters: 10 * w + 1 } : {}) }));
      const d = seed - 1;
      // epoch 0 (init) then epoch 4; columns of HEADER: epoch,step,lr,train_loss,train_acc,test_loss,test_acc,gc,weight_norm_sq,seconds
      const rows = [`0,0,0.1,,,2.3,0.1,${gc[i] * 10},1,0`, `4,40,0.1,0.1,0.99,${loss[i] + 0.1 * d},0.7,${gc[i] + d},1,1`];
      writeFileSync(join(dir, 'metrics.csv'), [HEADER, ...rows].join('\n') + '\n');
    }
  });
}

/** Pearson r, written out independently of src/report/stats.ts. */
function r(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
  const c = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
  return c / Math.sqrt(xs.reduce((s, x) => s + (x - mx) ** 2, 0) * ys.reduce((s, y) => s + (y - my) ** 2, 0));
}

test('width sweep: parameter count per run (runs.csv), double-descent row: both peaks, Pearson/Spearman of the seed-mean curves, pre-registered verdict', () => {
  const { dir, cleanup } = tempDir();
  try {
    const loss = [1.0, 1.5, 2.5, 1.8, 1.2];
    writeWidthSweep(dir, 'dd-follow', loss, [5, 9, 20, 12, 7]);
    writeWidthSweep(dir, 'dd-monotone', loss, [1, 2, 3, 4, 5]);
    const sweeps = loadSweeps([dir]);
    assert.deepEqual(sweeps[0].runs.map((x) => x.parameters), WIDTHS.flatMap((w) => [10 * w + 1, 10 * w + 1, 10 * w + 1]));
    const csv = runsCsv(sweeps).trim().split('\n');
    const col = csv[0].split(',').indexOf('parameters');
    assert.ok(col >= 0, csv[0]);
    assert.equal(csv[1].split(',')[col], '21');
    const rows = reproRows(sweeps).filter((x) => x.doubleDescent);
    assert.equal(rows.length, 2);
    const [follow, mono] = rows.map((x) => x.doubleDescent!);
    assert.equal(follow.peakTestLoss, 8);
    assert.equal(follow.peakGc, 8);
    assert.deepEqual(follow.epochs, [4]);
    assert.ok(Math.abs(follow.pearson! - r(loss, [5, 9, 20, 12, 7])) < 1e-12);
    assert.equal(follow.spearman, 1);
    assert.equal(follow.interiorPeak, true);
    assert.equal(follow.follows, true);
    follow.points.forEach((p, i) => {
      assert.equal(p.parameters, 10 * WIDTHS[i] + 1);
      assert.ok(Math.abs(p.testLoss.mean! - loss[i]) < 1e-12 && Math.abs(p.testLoss.std! - 0.1) < 1e-12);
    });
    assert.equal(mono.peakGc, 32);
    assert.equal(mono.follows, false, 'peaks two widths apart: does not follow');
    const text = reproText(reproRows(sweeps));
    assert.match(text, /test loss peaks at 8, GC at 8; Pearson r = 0\.9\d\d/);
    assert.match(text, /GC follows test loss/);
    const json = reproJson(reproRows(sweeps)).find((x) => 'double_descent' in x)!;
    assert.equal((json as { double_descent: { peak_gc_at: unknown } }).double_descent.peak_gc_at, 8);
  } finally {
    cleanup();
  }
});

test('plots: test loss and GC vs parameter count for width sweeps (log x), GC by depth per scheme; none from folders without a parameter count', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeWidthSweep(dir, 'dd', [1, 2, 3, 2, 1], [1, 2, 3, 2, 1]);
    for (const depth of [1, 2, 3]) {
      for (const scheme of ['he_normal', 'glorot_normal']) {
        writeRun(dir, { experiment: 'init', seed: 0, swept: { 'model.depth': depth, 'model.init.scheme': scheme }, status: 'complete', rows: [{ epoch: 0, gc: scheme === 'he_normal' ? 20 : 40 / 2 ** depth, test_acc: 0.1 }] });
      }
    }
    const sweeps = loadSweeps([dir]);
    const size = JSON.stringify(sizeCurvesSpec(sweeps));
    assert.match(size, /"type":"log"/);
    assert.match(size, /"parameters":21,/);
    const series = JSON.stringify(seriesSpec(sweeps));
    assert.match(series, /"title":"model.depth"/);
    assert.match(series, /"series":"glorot_normal"/);
    assert.match(series, /"mean":5,/);
    const report = await buildReport([dir]);
    assert.deepEqual(report.plots.map((p) => p.name).slice(-2), ['size-curves', 'final-gc-by-series']);
    assert.ok(report.plots.every((p) => p.rendered.svg.includes('<svg')));

    const old = join(dir, 'old');
    writeWidthSweep(old, 'dd-old', [1, 2, 3, 2, 1], [1, 2, 3, 2, 1], false);
    const oldSweeps = loadSweeps([old]);
    assert.equal(sizeCurvesSpec(oldSweeps), null);
    assert.equal(seriesSpec(oldSweeps), null);
    assert.ok(reproRows(oldSweeps).every((x) => !x.doubleDescent || x.doubleDescent.points.every((p) => p.parameters === null)));
  } finally {
    cleanup();
  }
});
