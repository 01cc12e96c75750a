import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { csvRows, gcRun, gcRunAsync, numbersOnly, record, runDirs, waitFor } from '../helpers/cli.js';

const EPOCHS = 4;

/** Momentum and augmentation, so optimizer slots and a second rng stream must survive the restart. */
function config(out: string, lrs = '[0.05, 0.1]'): string {
  return `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: cpu
dataset: { name: fashion-mnist, train_size: 128, test_size: 40, augment: true }
model: { arch: mlp, widths: [32] }
optimizer: { lr: 0.1, momentum: 0.9 }
train: { batch_size: 16, epochs: ${EPOCHS} }
gc: { examples: 16, batch_size: 8 }
sweep: { grid: { optimizer.lr: ${lrs} }, seeds: [0] }
`;
}

function assertComplete(out: string, runs: number): void {
  const dirs = runDirs(out);
  assert.equal(dirs.length, runs);
  for (const d of dirs) {
    assert.equal(record(d).status, 'complete', d);
    const epochs = csvRows(d).map((r) => Number(r[0]));
    assert.deepEqual(epochs, Array.from({ length: EPOCHS + 1 }, (_, i) => i), `one row per epoch in ${d}`);
    assert.ok(!existsSync(join(d, 'checkpoint')), 'checkpoint removed after completion');
    assert.ok(!existsSync(join(d, 'lock')), 'lock released');
  }
}

test('SIGKILL mid-sweep, re-run: every run completes once per epoch, resumed numbers equal an uninterrupted run', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'killed');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config(out));
    const bg = gcRunAsync([file, '--progress', 'lines'], dir);
    await waitFor(() => runDirs(out).some((d) => csvRows(d).length >= 2), 60_000);
    bg.child.kill('SIGKILL');
    await bg.done;

    // The dry run sees the interrupted run as partial (its lock is stale: the pid is dead) and writes nothing.
    const plan = gcRun([file, '--dry-run', '--json'], dir);
    assert.equal(plan.status, 0, plan.stderr);
    const entries = JSON.parse(plan.stdout).runs as { status: string; epoch?: number }[];
    assert.ok(entries.some((e) => e.status === 'partial' && e.epoch! >= 0), plan.stdout);

    const again = gcRun([file, '--progress', 'lines'], dir);
    assert.equal(again.status, 0, again.stderr);
    assertComplete(out, 2);
    const resumed = runDirs(out).filter((d) => record(d).attempts.length === 2);
    assert.ok(resumed.length >= 1, 'at least one run resumed');
    for (const d of resumed) assert.ok(record(d).attempts[1].from_epoch >= 1, 'resumed from a checkpoint, not from scratch');

    const fresh = join(dir, 'fresh');
    const f2 = join(dir, 'fresh.yaml');
    writeFileSync(f2, config(fresh));
    assert.equal(gcRun([f2, '--progress', 'none'], dir).status, 0);
    for (const d of runDirs(out)) {
      const ref = join(fresh, 'tiny', basename(d));
      assert.deepEqual(numbersOnly(csvRows(d)), numbersOnly(csvRows(ref)), `${basename(d)} equals its uninterrupted twin`);
    }
  } finally {
    cleanup();
  }
});

test('SIGINT with --jobs 2 ends by SIGINT (130 to a shell) leaving runs interrupted and resumable; --restart starts afresh', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config(out));
    const bg = gcRunAsync([file, '--jobs', '2', '--progress', 'lines'], dir);
    await waitFor(() => runDirs(out).some((d) => csvRows(d).length >= 2), 60_000);
    bg.child.kill('SIGINT');
    // After its clean stop gc-run re-raises SIGINT on itself (the convention for a caught Ctrl-C).
    const { code, signal } = await bg.done;
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGINT' }, bg.stderr());
    assert.match(bg.stderr(), /interrupted; re-run the same command to resume/);
    const statuses = runDirs(out).map((d) => record(d).status);
    assert.ok(statuses.includes('interrupted'), statuses.join());
    for (const d of runDirs(out)) assert.ok(!existsSync(join(d, 'lock')), 'workers released their locks');

    const again = gcRun([file, '--jobs', '2', '--progress', 'none'], dir);
    assert.equal(again.status, 0, again.stderr);
    assertComplete(out, 2);

    const restarted = gcRun([file, '--restart', '--progress', 'none', '--set', 'sweep.grid.optimizer.lr=[0.05]'], dir);
    assert.equal(restarted.status, 0, restarted.stderr);
    const d = runDirs(out).find((x) => basename(x).startsWith('lr=0.05'))!;
    const rec = record(d);
    assert.equal(rec.attempts.length, 1, 'a restart begins a new history');
    assert.equal(rec.attempts[0].from_epoch, 0);
    assert.equal(csvRows(d).length, EPOCHS + 1);
  } finally {
    cleanup();
  }
});

test('two gc-run processes on one sweep and results folder train every run exactly once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config(out, '[0.02, 0.05, 0.1]'));
    const a = gcRunAsync([file, '--progress', 'lines'], dir);
    const b = gcRunAsync([file, '--progress', 'lines'], dir);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, a.stderr());
    assert.equal(rb.code, 0, b.stderr());
    const starts = (a.stderr() + b.stderr()).split('\n').filter((l) => /: start \(/.test(l));
    assert.equal(starts.length, 3, starts.join('\n'));
    assertComplete(out, 3);
    for (const d of runDirs(out)) assert.equal(record(d).attempts.length, 1, `${d} trained once`);
    assert.deepEqual(readdirSync(join(out, "tiny")).length, 3);
  } finally {
    cleanup();
  }
});
