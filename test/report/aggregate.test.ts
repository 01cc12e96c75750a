import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSweeps } from '../../src/report/build.js';
import { discoverRuns } from '../../src/report/discover.js';
import { reproRows } from '../../src/report/repro.js';
import { spearman } from '../../src/report/stats.js';
import { writeDemoResults, writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const close = (a: number | null, b: number, msg?: string) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${msg ?? ''} expected ${b}, got ${a}`);

test('lr sweep: exact means and sample stds over seeds; failed run counted, not averaged', () => {
  const root = tempDir('gc-report-agg-').dir;
  writeDemoResults(root);
  const sweeps = loadSweeps([root]);
  assert.deepEqual(sweeps.map((s) => s.experiment), ['bs-sweep', 'lr-sweep'], 'experiments grouped apart');
  const lr = sweeps[1];
  assert.deepEqual(lr.knobKeys, ['optimizer.lr']);
  assert.deepEqual(lr.groups.map((g) => g.label), ['0.01', '0.1', '1'], 'numeric knob order');
  const [a, b, c] = lr.groups;
  assert.deepEqual([a.finalValue.mean, a.finalValue.std, a.finalValue.n], [12, 2, 3]);
  assert.deepEqual([b.finalValue.mean, b.finalValue.std, b.finalValue.n], [6, 1, 3]);
  assert.equal(c.finalValue.mean, 2.5);
  close(c.finalValue.std, Math.sqrt(0.5));
  assert.equal(c.finalValue.n, 2, 'the diverged seed is not averaged');
  assert.deepEqual(c.counts, { done: 2, failed: 1, incomplete: 0, invalid: 0 });
  // Final test accuracy is read at epoch 4 (last measured gc), not epoch 5: 0.1 + 0.8·(accFinal − 0.1).
  const accs = [0.701, 0.711, 0.721].map((f) => 0.1 + 0.8 * (f - 0.1));
  close(a.finalTestAcc.mean, (accs[0] + accs[1] + accs[2]) / 3, 'test acc mean');
  close(a.finalTestAcc.std, 0.008, 'test acc std');
  const diverged = lr.runs.find((r) => r.status === 'diverged')!;
  assert.equal(diverged.state, 'failed');
  assert.equal(diverged.finalValue, 900);
  assert.equal(diverged.finalEpoch, 2);
  assert.match(diverged.error!, /NaN/);
  assert.ok(lr.runs.filter((r) => r.state === 'done').every((r) => r.finalEpoch === 4));
});

test('curves: per-epoch mean/std over done seeds where gc was measured', () => {
  const root = tempDir('gc-report-curve-').dir;
  writeDemoResults(root);
  const lr = loadSweeps([root])[1];
  const gc = lr.groups[0].curves.gc;
  assert.deepEqual(gc.map((p) => p.epoch), [0, 2, 4], 'gc only on measured epochs');
  assert.deepEqual(gc[2], { epoch: 4, mean: 12, std: 2, n: 3 });
  assert.deepEqual(gc[0], { epoch: 0, mean: 20, std: 0, n: 3 });
  assert.equal(lr.groups[0].curves.test_acc.length, 6);
  assert.equal(lr.groups[2].curves.gc[2].n, 2, 'diverged run excluded from the mean curve');
});

test('single seed → no std; running run marked incomplete', () => {
  const root = tempDir('gc-report-single-').dir;
  writeDemoResults(root);
  const bs = loadSweeps([root])[0];
  assert.deepEqual(bs.groups.map((g) => g.label), ['32', '128', '256']);
  assert.deepEqual([bs.groups[0].finalValue.mean, bs.groups[0].finalValue.std], [4, null]);
  assert.equal(bs.groups[0].finalTestAcc.std, null);
  assert.ok(bs.groups[0].curves.gc.every((p) => p.std === null), 'no band for one seed');
  assert.deepEqual(bs.groups[2].counts, { done: 0, failed: 0, incomplete: 1, invalid: 0 });
  assert.equal(bs.groups[2].finalValue.mean, null);
  assert.equal(bs.runs.find((r) => r.state === 'incomplete')!.finalValue, 20 + ((15 - 20) * 2) / 4, 'running: last measured gc (epoch 2)');
});

test('knob from config.json when run.json declares no swept keys; seed and output_dir ignored', () => {
  const root = tempDir('gc-report-cfg-').dir;
  for (const scale of [0.5, 2]) {
    for (const seed of [0, 1]) {
      writeRun(root, {
        experiment: 'init', seed, swept: { 'model.init.scale': scale }, emptySwept: true, status: 'complete',
        rows: curve(10, scale * 10 + seed, 0.8),
      });
    }
  }
  const [s] = loadSweeps([root]);
  assert.deepEqual(s.knobKeys, ['model.init.scale']);
  assert.deepEqual(s.groups.map((g) => [g.label, g.finalValue.mean]), [['0.5', 5.5], ['2', 20.5]]);
  assert.deepEqual(s.warnings, []);
});

test('several swept keys are grouped by their combination; undeclared config differences warned', () => {
  const root = tempDir('gc-report-multi-').dir;
  for (const lr of [0.1, 0.01]) {
    for (const bs of [64, 16]) {
      writeRun(root, {
        experiment: 'grid', seed: 0, swept: { 'optimizer.lr': lr, 'train.batch_size': bs }, status: 'complete',
        rows: curve(10, lr * bs, 0.8), config: { train: { batch_size: 1, epochs: lr === 0.1 ? 5 : 7 } },
      });
    }
  }
  const [s] = loadSweeps([root]);
  assert.deepEqual(s.knobKeys, ['optimizer.lr', 'train.batch_size']);
  assert.deepEqual(s.groups.map((g) => g.label), [
    'optimizer.lr=0.01, train.batch_size=16', 'optimizer.lr=0.01, train.batch_size=64',
    'optimizer.lr=0.1, train.batch_size=16', 'optimizer.lr=0.1, train.batch_size=64',
  ]);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0], /train\.epochs/);
  const rows = reproRows([s]);
  assert.deepEqual(rows.map((r) => r.key), ['optimizer.lr', 'train.batch_size']);
  assert.equal(rows[0].values.length, 2);
});

test('several results folders merge; the same folder reached twice counts once', () => {
  const a = tempDir('gc-report-mergeA-').dir;
  const b = tempDir('gc-report-mergeB-').dir;
  writeDemoResults(a);
  writeRun(b, { experiment: 'lr-sweep', seed: 3, swept: { 'optimizer.lr': 0.01 }, status: 'complete', rows: curve(20, 16, 0.7) });
  assert.equal(discoverRuns([a, join(a, 'lr-sweep')]).length, 12);
  const lr = loadSweeps([a, b]).find((s) => s.experiment === 'lr-sweep')!;
  assert.deepEqual([lr.groups[0].finalValue.mean, lr.groups[0].finalValue.n], [13, 4]);
  close(lr.groups[0].finalValue.std, Math.sqrt(20 / 3));
});

test('repro: spearman over complete runs and agreement with the paper', () => {
  const root = tempDir('gc-report-repro-').dir;
  writeDemoResults(root);
  const rows = reproRows(loadSweeps([root]));
  const lr = rows.find((r) => r.key === 'optimizer.lr')!;
  assert.equal(lr.expected, -1);
  assert.equal(lr.n, 8);
  // lr ranks: 2,2,2,5,5,5,7.5,7.5; gc [10,12,14,5,6,7,2,3] ranks: 6,7,8,3,4,5,1,2.
  const rx = [2, 2, 2, 5, 5, 5, 7.5, 7.5], ry = [6, 7, 8, 3, 4, 5, 1, 2];
  const m = 4.5;
  const sxy = rx.reduce((s, x, i) => s + (x - m) * (ry[i] - m), 0);
  const sxx = rx.reduce((s, x) => s + (x - m) ** 2, 0), syy = ry.reduce((s, y) => s + (y - m) ** 2, 0);
  close(lr.rho, sxy / Math.sqrt(sxx * syy));
  assert.equal(lr.agrees, true);
  const bs = rows.find((r) => r.key === 'train.batch_size')!;
  // One seed and two knob values: ρ = +1 has the paper's sign, but that is no evidence.
  assert.deepEqual([bs.expected, bs.rho, bs.n, bs.agrees], [1, 1, 2, null]);
  assert.deepEqual([bs.measures[0].verdict, bs.measures[0].seeds, bs.measures[0].knobValues], ['not enough data', 1, 2]);
});

test('repro: gc and gc_margin side by side, each with an exact permutation p-value checked by brute force', () => {
  const root = tempDir('gc-report-repro-p-').dir;
  writeDemoResults(root);
  const lr = reproRows(loadSweeps([root])).find((r) => r.key === 'optimizer.lr')!;
  assert.deepEqual(lr.measures.map((m) => m.metric), ['gc', 'gc_margin']);
  const x = [0.01, 0.01, 0.01, 0.1, 0.1, 0.1, 1, 1];
  const series = { gc: [10, 12, 14, 5, 6, 7, 2, 3], gc_margin: [3, 1, 2, 2.5, 1.5, 0.5, 1, 0.2] };
  for (const m of lr.measures) {
    const y = series[m.metric as keyof typeof series];
    // Independent: ρ of every one of the 8! orderings of y by spearman() itself; one-sided (↓).
    const rho = spearman(x, y)!;
    let hits = 0, total = 0;
    const go = (rest: number[], acc: number[]) => {
      if (rest.length === 0) {
        total++;
        if (spearman(x, acc)! <= rho + 1e-12) hits++;
        return;
      }
      for (let i = 0; i < rest.length; i++) go([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, rest[i]]);
    };
    go(y, []);
    assert.equal(total, 40320);
    close(m.rho, rho);
    assert.equal(m.p, hits / total, m.metric);
    assert.deepEqual([m.pMethod, m.n, m.seeds, m.knobValues], ['exact', 8, 3, 3], m.metric);
  }
  const [gc, margin] = lr.measures;
  assert.equal(gc.verdict, 'yes');
  assert.ok(gc.p! < 0.01, `gc p = ${gc.p}`);
  assert.ok(margin.rho! < 0 && margin.p! >= 0.05, `gc_margin ρ ${margin.rho}, p ${margin.p}`);
  assert.equal(margin.verdict, 'inconclusive');
});
