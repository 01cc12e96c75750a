import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, parseOverride } from '../../src/config/overrides.js';
import { parseShard, selectShard, shardFromEnv } from '../../src/config/shard.js';
import { acquireRunLock } from '../../src/results/lock.js';
import { truncateMetricsCsv } from '../../src/results/csv-resume.js';
import { UsageError } from '../../src/errors/errors.js';
import { gcRun } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

test('shards i/n for n = 1..5 partition a plan: every run exactly once, in order', () => {
  for (const total of [0, 1, 7, 12]) {
    const plan = Array.from({ length: total }, (_, i) => i);
    for (let n = 1; n <= 5; n++) {
      const seen: number[] = [];
      for (let i = 0; i < n; i++) {
        const part = selectShard(plan, parseShard(`${i}/${n}`));
        assert.ok(part.every((r) => r % n === i));
        seen.push(...part);
      }
      assert.deepEqual(seen.sort((a, b) => a - b), plan, `total ${total}, n ${n}`);
    }
  }
  assert.deepEqual(selectShard([1, 2], null), [1, 2]);
});

test('shards: bad --shard and scheduler environments', () => {
  for (const bad of ['3/3', '1', 'a/2', '0/0', '-1/2']) assert.throws(() => parseShard(bad), UsageError, bad);
  assert.equal(shardFromEnv({}), null);
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' }), {
    index: 2,
    count: 4,
    source: 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT',
  });
  assert.equal(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1' })!.index, 2);
  assert.equal(shardFromEnv({ JOB_COMPLETION_INDEX: '1', GC_SHARD_COUNT: '3' })!.index, 1);
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' }), /GC_SHARD_COUNT/);
  assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' }), UsageError);
});

test('shards from the variables Slurm 22.05 really sets: stepped ranges work, lists are refused', () => {
  // Recorded from real array tasks (slurm-wlm 22.05.8): `env | grep ARRAY` in each task.
  const task = (id: number, count: number, min: number, max: number, step: number) => ({
    SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: String(count),
    SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_STEP: String(step),
  });
  // --array=0-6:2: tasks 0, 2, 4, 6 are shards 0..3 of 4 (was: task 6 -> "index 6 not below 4").
  assert.deepEqual([0, 2, 4, 6].map((id) => shardFromEnv(task(id, 4, 0, 6, 2))!.index), [0, 1, 2, 3]);
  // --array=1-8
  assert.equal(shardFromEnv(task(8, 8, 1, 8, 1))!.index, 7);
  // --array=3 (one task resubmitted): the whole sweep, complete runs skipped.
  assert.deepEqual(shardFromEnv(task(3, 1, 3, 3, 1)), { index: 0, count: 1, source: 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT' });
  // --array=1,3 (Slurm says step 1): task 1 used to take shard 0 of 2 silently and task 3 to fail.
  for (const id of [1, 3]) assert.throws(() => shardFromEnv(task(id, 2, 1, 3, 1)), /not an evenly spaced range.*--array=0-1/, String(id));
  // --array=0,1,5
  assert.throws(() => shardFromEnv(task(0, 3, 0, 5, 1)), UsageError);
});

test('--set: YAML-typed values, dotted grid keys kept whole, errors name the --set', () => {
  const raw = { optimizer: { lr: 0.1 }, sweep: { grid: { 'optimizer.lr': [1] } } };
  const out = applyOverrides(raw, [
    parseOverride('optimizer.momentum=0.9'),
    parseOverride('sweep.grid.optimizer.lr=[0.01, 0.1]'),
    parseOverride('sweep.seeds=[0,1]'),
    parseOverride('train.epochs=3'),
    parseOverride('dataset.augment=true'),
    parseOverride('experiment=x'),
  ]);
  assert.deepEqual(out, {
    optimizer: { lr: 0.1, momentum: 0.9 },
    sweep: { grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: [0, 1] },
    train: { epochs: 3 },
    dataset: { augment: true },
    experiment: 'x',
  });
  assert.deepEqual(raw.sweep.grid['optimizer.lr'], [1], 'input untouched');
  assert.throws(() => parseOverride('optimizer.lr'), /--set optimizer.lr: expected key.path=value/);
  assert.throws(() => parseOverride('=3'), UsageError);
  assert.throws(() => parseOverride('a..b=3'), /empty segment/);
  assert.throws(() => parseOverride('a=[1, 2'), /--set a=\[1, 2: value is not valid YAML/);
  assert.throws(() => applyOverrides(raw, [parseOverride('optimizer.lr.x=1')]), /--set optimizer.lr.x=1: 'optimizer.lr' is not a mapping/);
});

test('run lock: exclusive while held, released, stale lock of a dead pid taken over', () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = acquireRunLock(dir);
    assert.ok(a.acquired);
    const b = acquireRunLock(dir);
    assert.equal(b.acquired, false);
    if (!b.acquired) assert.equal(b.holder.pid, process.pid);
    if (a.acquired) a.lock.release();
    assert.ok(!existsSync(join(dir, 'lock')));

    // A pid that surely is dead: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid, host: hostname(), started_at: 'then' }));
    const c = acquireRunLock(dir);
    assert.ok(c.acquired, 'stale lock taken over');
    if (c.acquired) {
      assert.equal(c.tookOver?.pid, pid);
      assert.equal(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid, process.pid);
      c.lock.release();
    }
    assert.ok(!existsSync(join(dir, 'lock.takeover')));

    // Another host's lock is never judged by pid; only by age when a timeout is given.
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid, host: 'elsewhere', started_at: 'then' }));
    assert.equal(acquireRunLock(dir).acquired, false);
    const d = acquireRunLock(dir, { staleAfterMs: -1 });
    assert.ok(d.acquired);
    if (d.acquired) d.lock.release();
  } finally {
    cleanup();
  }
});

test('metrics.csv is cut back to the checkpoint epoch; a torn row or missing rows refuse', () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(dir, { recursive: true });
    const p = join(dir, 'metrics.csv');
    const cols = ['epoch', 'a', 'b'];
    writeFileSync(p, 'epoch,a,b\n0,,1\n1,2,3\n2,4,5\n3,6');
    assert.ok(truncateMetricsCsv(p, cols, 1));
    assert.equal(readFileSync(p, 'utf8'), 'epoch,a,b\n0,,1\n1,2,3\n');
    assert.equal(truncateMetricsCsv(p, cols, 2), false, 'rows up to epoch 2 are not all there');
    assert.equal(truncateMetricsCsv(p, ['epoch', 'a', 'c'], 0), false, 'header differs');
    assert.equal(truncateMetricsCsv(join(dir, 'none.csv'), cols, 0), false);
  } finally {
    cleanup();
  }
});

test('SLURM_ARRAY_TASK_ID without SLURM_ARRAY_TASK_COUNT (and no --shard) is exit 2 with the fix, nothing written', () => {
  assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' }), /SLURM_ARRAY_TASK_COUNT is not.*--shard i\/n/);
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    writeFileSync(join(dir, 'c.yaml'), tinyConfigYaml(out));
    for (const extra of [['--dry-run'], []]) {
      const r = gcRun([join(dir, 'c.yaml'), ...extra], dir, { SLURM_ARRAY_TASK_ID: '1' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(existsSync(out), false, 'nothing written');
    }
    // --shard wins over the environment, as documented.
    const ok = gcRun([join(dir, 'c.yaml'), '--dry-run', '--shard', '0/2'], dir, { SLURM_ARRAY_TASK_ID: '1' });
    assert.equal(ok.status, 0, ok.stderr);
  } finally {
    cleanup();
  }
});
