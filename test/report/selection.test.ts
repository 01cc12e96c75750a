import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate } from '../../src/report/aggregate.js';
import type { RunData } from '../../src/report/read-run.js';
import { reproRows } from '../../src/report/repro.js';
import { describeSelection, parseAt, parseMetric, selectRow } from '../../src/report/selection.js';
import { reportCommand } from '../../src/cli/report.js';
import { UsageError } from '../../src/errors/errors.js';
import { writeDemoResults } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const rows = [
  { epoch: 0, train_acc: null, gc: 10, gc_margin: 5 },
  { epoch: 1, train_acc: 0.7, gc: null, gc_margin: null },
  { epoch: 2, train_acc: 0.91, gc: 14, gc_margin: 3 },
  { epoch: 3, train_acc: 0.95, gc: 16, gc_margin: 2 },
  { epoch: 4, train_acc: 0.97, gc: null, gc_margin: null },
];

test('selectRow: last measured row by default; the first row reaching --at, with reasons when there is none', () => {
  assert.equal(selectRow(rows, { metric: 'gc', at: null }).row?.epoch, 3);
  assert.equal(selectRow(rows, { metric: 'gc_margin', at: { column: 'train_acc', value: 0.9 } }).row?.epoch, 2);
  assert.equal(selectRow(rows, { metric: 'gc', at: { column: 'train_acc', value: 0.96 } }).row, null);
  assert.match(selectRow(rows, { metric: 'gc', at: { column: 'train_acc', value: 0.96 } }).reason!, /not measured at epoch 4/);
  assert.match(selectRow(rows, { metric: 'gc', at: { column: 'train_acc', value: 0.99 } }).reason!, /never reached train_acc ≥ 0.99/);
  assert.match(selectRow(rows, { metric: 'logit_sq', at: null }).reason!, /no logit_sq value/);
  assert.equal(describeSelection({ metric: 'gc', at: null }), 'final GC');
  assert.equal(describeSelection({ metric: 'gc_margin', at: { column: 'train_acc', value: 0.9 } }), 'gc_margin at first train_acc ≥ 0.9');
});

test('parseAt / parseMetric: column=value and a column name, else a UsageError naming the flag', () => {
  assert.deepEqual(parseAt('train_acc=0.9'), { column: 'train_acc', value: 0.9 });
  for (const bad of ['train_acc', 'train_acc=', '=0.9', 'train_acc=high', 'train acc=0.9', 'train_acc= 0.9']) {
    assert.throws(() => parseAt(bad), (e: Error) => e instanceof UsageError && e.message.startsWith('--at:'), bad);
  }
  assert.equal(parseMetric('gc_margin'), 'gc_margin');
  assert.throws(() => parseMetric('gc-margin'), UsageError);
});

function run(lr: number, seed: number, gcFinal: number, marginFinal: number, reportMetric?: string): RunData {
  return {
    dir: `/r/lr${lr}-s${seed}`,
    record: { id: `lr${lr}-s${seed}`, experiment: 'e', seed, status: 'complete', swept: { 'optimizer.lr': lr } },
    config: { optimizer: { lr }, ...(reportMetric ? { report: { metric: reportMetric } } : {}) },
    columns: ['epoch', 'train_acc', 'gc', 'gc_margin'],
    metrics: [
      { epoch: 0, train_acc: null, gc: 1, gc_margin: 1 },
      { epoch: 1, train_acc: 0.9, gc: gcFinal, gc_margin: marginFinal },
      { epoch: 2, train_acc: 0.95, gc: 2 * gcFinal, gc_margin: 2 * marginFinal },
    ],
    problems: [],
  } as unknown as RunData;
}

test('aggregate + repro on any column: --metric, the runs\' report.metric, and --at', () => {
  // gc rises with lr, gc_margin falls: the two selections give opposite ρ.
  const runs = [run(0.01, 0, 10, 9), run(0.1, 0, 20, 6), run(0.3, 0, 30, 3)];
  const byGc = reproRows(aggregate(runs))[0];
  assert.equal(byGc.measure, 'final GC');
  assert.equal(byGc.rho, 1);
  assert.equal(byGc.values[0].finalValue.mean, 20);
  const byMargin = reproRows(aggregate(runs, { metric: 'gc_margin' }))[0];
  assert.equal(byMargin.rho, -1);
  assert.equal(byMargin.values[2].finalValue.mean, 6);
  const configured = [run(0.01, 0, 10, 9, 'gc_margin'), run(0.1, 0, 20, 6, 'gc_margin'), run(0.3, 0, 30, 3, 'gc_margin')];
  assert.equal(reproRows(aggregate(configured))[0].measure, 'final gc_margin', 'report.metric of the runs');
  const at = aggregate(runs, { metric: 'gc', at: { column: 'train_acc', value: 0.9 } });
  assert.deepEqual(at[0].runs.map((r) => [r.finalEpoch, r.finalValue]), [[1, 10], [1, 20], [1, 30]]);
  const never = aggregate(runs, { at: { column: 'train_acc', value: 0.99 } });
  assert.deepEqual(never[0].runs.map((r) => r.finalValue), [null, null, null]);
  assert.ok(never[0].warnings.some((w) => w.includes('never reached train_acc ≥ 0.99')), never[0].warnings.join('\n'));
});

test('gc-report --metric / --at: bad values exit 2 before reading anything; good ones label the table', async () => {
  const root = tempDir('gc-report-selection-').dir;
  writeDemoResults(root);
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  assert.equal(await reportCommand([root, '--at', 'train_acc'], io as never), 2);
  assert.match(err.join(''), /--at: expected <column>=<number>/);
  assert.equal(await reportCommand([root, '--metric', 'gc margin'], io as never), 2);
  out.length = 0;
  assert.equal(await reportCommand([root, '--repro', '--metric', 'gc', '-o', `${root}/report`], io as never), 0, err.join(''));
  assert.match(out.join(''), /final GC/);
  // The summary names what it compares, not "final GC", when another column or point is chosen.
  out.length = 0;
  // (A column of the demo runs: one that no run has is exit 2, test/report/cli.test.ts.)
  assert.equal(await reportCommand([root, '--metric', 'test_loss', '--at', 'train_acc=0.5', '-o', `${root}/report`], io as never), 0, err.join(''));
  assert.match(out.join(''), /test_loss at first train_acc ≥ 0\.5 \(mean ± std\) +test acc there/);
  assert.doesNotMatch(out.join(''), /final GC/);
});
