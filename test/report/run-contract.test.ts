/**
 * The run-folder contract (src/results/run-folder.ts) end to end: run folders written by the
 * runner's own code path (executeRun: run.json + MetricsCsv) in every status, non-finite values
 * included, are read by gc-report, which marks the unfinished ones instead of failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfigSchema } from '../../src/config/schema.js';
import type { PlannedRun } from '../../src/config/sweep.js';
import { augmentBatch } from '../../src/data/augment.js';
import type { Split } from '../../src/data/split.js';
import { Rng } from '../../src/rng/rng.js';
import { executeRun, runDir, type RunEvents } from '../../src/runner/run-one.js';
import { MetricsCsv } from '../../src/results/metrics-csv.js';
import {
  METRICS_BASE_COLUMNS, RUN_STATUSES, formatMetricNumber, parseMetricNumber, runRecordSchema, storedRunRecordSchema,
} from '../../src/results/run-folder.js';
import { parseMetrics, readRun } from '../../src/report/read-run.js';
import { reportCommand } from '../../src/cli/report.js';
import { useBackend } from '../helpers/tf.js';
import { tempDir } from '../helpers/tmp.js';

function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * 6 * 6 }, () => rng.uniform());
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { x, y, n, shape: [6, 6, 1] };
}
const data = { train: synthetic(30, 1), test: synthetic(15, 2), classes: 3, augment: augmentBatch };
const backend = { name: 'cpu' as const, tfName: 'cpu', skipped: [], customKernels: [], line: 'cpu (test)' };
const prov = { versions: { 'gc-run': 'test' }, host: 'test-host', command: 'run-contract.test', git: null };

function planned(root: string, lr: number, tag: string): PlannedRun {
  const config = RunConfigSchema.parse({
    experiment: 'contract', output_dir: root, seed: 0,
    model: { arch: 'mlp', widths: [8] },
    optimizer: { lr },
    train: { batch_size: 10, epochs: 2 },
    gc: { examples: 9, batch_size: 9 },
  });
  return { id: `contract-optimizer.lr=${lr}-s0-${tag}`, hash: tag, index: 0, seed: 0, swept: { 'optimizer.lr': lr }, config };
}

test('metrics.csv number format: the writer writes nan/inf/-inf, the reader reads them back (and older spellings)', () => {
  const root = tempDir('gc-report-numfmt-').dir;
  const csv = new MetricsCsv(join(root, 'metrics.csv'), [...METRICS_BASE_COLUMNS, 'cdnv']);
  csv.create();
  csv.append({ epoch: 0, step: 0, lr: 0.1, train_loss: null, train_acc: null, test_loss: NaN, test_acc: 0.5, gc: Infinity, weight_norm_sq: -Infinity, seconds: 1e-7, gc_seconds: 0.25, margin_mean: -0.5, margin_abs_mean: 2, gc_margin: null, logit_sq: 4, cdnv: 3 });
  const text = readFileSync(csv.path, 'utf8');
  assert.match(text, /\n0,0,0\.1,,,nan,0\.5,inf,-inf,1e-7,0\.25,-0\.5,2,,4,3\n$/);
  const { rows, columns } = parseMetrics(text, csv.path);
  assert.equal(columns.at(-1), 'cdnv', 'extra metric columns are read');
  const r = rows[0];
  assert.ok(Number.isNaN(r.test_loss));
  assert.deepEqual([r.gc, r.weight_norm_sq, r.seconds, r.train_loss, r.margin_mean, r.gc_margin, r.cdnv], [Infinity, -Infinity, 1e-7, null, -0.5, null, 3]);
  for (const v of [NaN, Infinity, -Infinity, 0, -0.5, 1e300, 5e-324, 0.1 + 0.2]) {
    assert.ok(Object.is(parseMetricNumber(formatMetricNumber(v)), v === 0 ? 0 : v), `round trip ${v}`);
  }
  for (const s of ['NaN', 'Infinity', '-Infinity', 'INF', '+inf']) assert.notEqual(parseMetricNumber(s), undefined, s);
  for (const s of ['abc', ' 1', '1 ', 'nanx', '--inf']) assert.equal(parseMetricNumber(s), undefined, s);
});

test('run.json: the reader accepts every status of the contract and records of older versions', () => {
  for (const status of RUN_STATUSES) {
    assert.ok(storedRunRecordSchema.safeParse({ id: 'r', experiment: 'x', seed: 0, swept: {}, status }).success, status);
  }
  // An older record: no provenance, no swept, error epoch null, unknown future fields kept.
  const old = storedRunRecordSchema.parse({ id: 'r', experiment: 'x', seed: 1, status: 'failed', error: { epoch: null, message: 'm' }, extra: 1 });
  assert.deepEqual([old.swept, (old as Record<string, unknown>).extra], [{}, 1]);
  assert.equal(storedRunRecordSchema.safeParse({ id: 'r', experiment: 'x', seed: 0, status: 'done' }).success, false);
});

test('every status written by the real runner code path (non-finite values included) is reported, marked', async () => {
  await useBackend('cpu');
  const root = tempDir('gc-report-contract-').dir;
  const run = async (lr: number, tag: string, events: RunEvents = {}, signal?: AbortSignal) =>
    executeRun(planned(root, lr, tag), data, backend, prov, events, { signal });

  const complete = await run(0.05, 'aaaa0001');
  assert.equal(complete.status, 'complete');

  // lr 1e30 blows the weights up in the first epoch: the runner records the non-finite loss.
  const diverged = await run(1e30, 'aaaa0002');
  assert.equal(diverged.status, 'diverged', JSON.stringify(diverged));
  const divergedCsv = readFileSync(join(diverged.dir, 'metrics.csv'), 'utf8');
  assert.match(divergedCsv, /(^|,)(nan|-?inf)(,|$)/m, 'a non-finite value as written by the runner');

  const abort = new AbortController();
  const interrupted = await run(0.01, 'aaaa0003', { onEpoch: (r) => r.epoch === 0 && abort.abort() }, abort.signal);
  assert.equal(interrupted.status, 'interrupted');

  const failed = await run(0.02, 'aaaa0004', {
    onEpoch: (r) => {
      if (r.epoch === 1) throw new Error('disk full (simulated)');
    },
  });
  assert.equal(failed.status, 'failed');

  // A process killed mid-run leaves run.json 'running': keep the folder as it was at epoch 1.
  const runningPlan = planned(root, 0.03, 'aaaa0005');
  const snapshot = join(root, 'snapshot');
  const running = await executeRun(runningPlan, data, backend, prov, {
    onEpoch: (r) => void (r.epoch === 1 && cpSync(runDir(runningPlan), snapshot, { recursive: true })),
  });
  assert.equal(running.status, 'complete');
  rmSync(running.dir, { recursive: true });
  renameSync(snapshot, running.dir);

  const dirs = [complete, diverged, interrupted, failed, running].map((o) => o.dir);
  const statuses = dirs.map((d) => readRun(d).record.status);
  assert.deepEqual(statuses, ['complete', 'diverged', 'interrupted', 'failed', 'running']);
  for (const d of dirs) {
    const parsed = runRecordSchema.safeParse(JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')));
    assert.ok(parsed.success, `${d}/run.json matches the contract's writer schema: ${parsed.error?.message}`);
  }

  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  const reportDir = join(root, 'report');
  assert.equal(await reportCommand([root, '--json'], io), 0, err.join(''));
  const doc = JSON.parse(out.join(''));
  const runs = doc.sweeps[0].runs as { status: string; state: string; error: string | null }[];
  const byStatus = Object.fromEntries(runs.map((r) => [r.status, r]));
  assert.deepEqual(
    Object.fromEntries(Object.entries(byStatus).map(([k, r]) => [k, r.state])),
    { complete: 'done', diverged: 'failed', interrupted: 'incomplete', failed: 'failed', running: 'incomplete' },
  );
  assert.match(byStatus.diverged.error!, /non-finite/);
  assert.match(byStatus.failed.error!, /disk full/);
  const md = readFileSync(join(reportDir, 'report.md'), 'utf8');
  for (const mark of ['DIVERGED (failed)', 'INTERRUPTED (incomplete)', 'FAILED (failed)', 'RUNNING (incomplete)']) {
    assert.ok(md.includes(mark), `report.md marks ${mark}`);
  }
});
