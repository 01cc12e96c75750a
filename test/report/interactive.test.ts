import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSweeps } from '../../src/report/build.js';
import { CURVE_AXES, sweepPlots, defaultAxis } from '../../src/report/interactive.js';
import { scaleFor } from '../../src/report/plots.js';
import { sweepConfigLines } from '../../src/report/sweep-config.js';
import { jsonScript, scriptSafe } from '../../src/report/embed.js';
import { writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

/** Three seeds of one lr that stop after 5, 3 and 1 measured GC epochs (epochs 0..4 / 0..2 / 0). */
function staggered(root: string, config: Record<string, unknown> = {}) {
  const lasts = [5, 3, 1];
  lasts.forEach((last, seed) =>
    writeRun(root, { experiment: 'stagger', seed, swept: { 'optimizer.lr': 0.1 }, status: 'complete', config, rows: curve(20, 10 + seed, 0.7, last) }),
  );
  writeRun(root, { experiment: 'stagger', seed: 0, swept: { 'optimizer.lr': 0.3 }, status: 'complete', config, rows: curve(20, 4, 0.7) });
  return loadSweeps([root])[0];
}

test('mean curves: solid only where every done seed has data; the tail carries the seed count', () => {
  const s = staggered(tempDir('gc-report-tail-').dir);
  const p = sweepPlots(s);
  const gc = p.data.means.filter((m) => m.metric === 'gc' && m.knob === '0.1');
  // gc is measured at epochs 0, 2, 4; seeds stop at epoch 5, 3, 1 → all three at epoch 0 only.
  assert.deepEqual(gc.filter((m) => m.part === 'full').map((m) => [m.epoch, m.n]), [[0, 3]]);
  assert.deepEqual(gc.filter((m) => m.part === 'tail').map((m) => [m.epoch, m.n, m.label]), [[0, 3, null], [2, 2, null], [4, 1, 'n=1/3']]);
  // Seed means: epoch 2 averages seeds 0 and 1 (20 + (g − 20)/2 for g = 10, 11).
  assert.equal(gc.find((m) => m.epoch === 2 && m.part === 'tail')!.value, (15 + 15.5) / 2);
  const other = p.data.means.filter((m) => m.metric === 'gc' && m.knob === '0.3');
  assert.ok(other.every((m) => m.part === 'full'), 'one seed that ran to the end: all full');
  // Axis values are per-row: flow time = lr × step (fixture: lr column 0.05, step = 10·epoch).
  const row = p.data.runs.find((r) => r.epoch === 4 && r.seed === 0 && r.knob === '0.1')!;
  assert.deepEqual([row.step, row.flow_time, row.train_acc], [40, 0.05 * 40, 0.8]);
});

test('x axes: a data-driven list; the default follows the stop rule', () => {
  assert.deepEqual(CURVE_AXES.map((a) => a.key), ['epoch', 'step', 'flow_time', 'train_acc', 'train_loss']);
  const plain = staggered(tempDir('gc-report-ax0-').dir);
  assert.equal(defaultAxis(plain), 'epoch');
  assert.deepEqual(sweepPlots(plain).axes.map((a) => a.key), ['epoch', 'step', 'flow_time', 'train_acc', 'train_loss']);
  const acc = staggered(tempDir('gc-report-ax1-').dir, { train: { batch_size: 32, epochs: 5, stop_train_acc: 0.9 } });
  assert.equal(sweepPlots(acc).defaultAxis, 'train_acc');
  const flow = staggered(tempDir('gc-report-ax2-').dir, { train: { batch_size: 32, epochs: 5, flow_time: 2 } });
  assert.equal(sweepPlots(flow).defaultAxis, 'flow_time');
  assert.match(sweepConfigLines(flow).find((l) => l.label === 'stop rule')!.text, /flow time lr × step ≥ 2 \(at most 5 epochs\)/);
  const lines = Object.fromEntries(sweepConfigLines(acc).map((l) => [l.label, l.text]));
  assert.equal(lines['stop rule'], 'train accuracy ≥ 0.9 (at most 5 epochs)');
  assert.equal(lines.optimizer, 'name sgd, lr swept, momentum 0');
  assert.equal(lines.data, 'name fashion-mnist, train_size 200, test_size 100, seed 0');
  assert.equal(lines['GC examples'], 'examples 64, batch_size 64, every 2');
  assert.equal(lines.loss, 'cross_entropy');
});

test('knob axes fit the data: no nice rounding, symlog when 0 is a value', () => {
  assert.deepEqual(scaleFor([0.01, 0.03, 0.1, 0.3]), { type: 'log', nice: false, padding: 12 }, 'lr axis ends at 0.3, not 1');
  assert.deepEqual(scaleFor([0, 0.001, 0.01, 0.1]), { type: 'symlog', constant: 0.001, nice: false, padding: 12 }, 'spectral λ with 0');
  assert.deepEqual(scaleFor([32, 64, 128]), { zero: false, nice: false, padding: 12 });
  assert.deepEqual(scaleFor([0, 1, 2]), { zero: false, nice: false, padding: 12 }, 'no decades: linear');
});

test('inline script and JSON cannot close their <script> element', () => {
  assert.equal(scriptSafe('a("</script>"); b("</SCRIPT ")'), 'a("<\\/script>"); b("<\\/SCRIPT ")');
  assert.equal(JSON.parse(jsonScript({ t: '</script><!--' })).t, '</script><!--');
  assert.doesNotMatch(jsonScript({ t: '</script>' }), /</);
});
