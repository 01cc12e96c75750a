/**
 * deploy/slurm-array.sbatch on a real one-node Slurm cluster (Debian slurm-wlm + munge, started by
 * the test on 127.0.0.1, see cluster.ts): `sbatch --array` of the real script trains every run of a
 * sweep exactly once; a task cancelled mid-run (`scancel`) resumes on resubmission. Skipped with the
 * install line where Slurm is absent (or not root) and CI is not set; required in CI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { csvRows, record, runDirs } from '../helpers/cli.js';
import { requirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';
import { LocalSlurm, missingSlurm, type TaskState } from './cluster.js';

const ROOT = packageRoot();
const SCRIPT = join(ROOT, 'deploy', 'slurm-array.sbatch');
const need = requirement('a real Slurm cluster', missingSlurm(), 'apt-get install -y slurm-wlm munge (and run as root)');

let cluster: LocalSlurm | undefined;
const tmp = tempDir('gc-slurm-');
const work = join(tmp.dir, 'work');
const results = join(tmp.dir, 'results');
// The job environment: the checkout to run and the shared results folder (the script's two knobs).
const jobEnv = { GC_RUN_HOME: ROOT, GC_RESULTS: results };
// The test node is configured with 1 GiB (RealMemory); the script asks 4G, sized for real nodes.
const fit = ['--mem=200M'];

before(async () => {
  if (need.skip !== false || need.missing !== null) return;
  mkdirSync(work, { recursive: true });
  chmodSync(tmp.dir, 0o755); // munged wants every folder above its socket searchable by all
  cluster = await LocalSlurm.start(join(tmp.dir, 'slurm'));
});

after(async () => {
  try {
    if (cluster) {
      await cluster.stop();
      assert.deepEqual(cluster.strays(), [], 'no daemon or job process outlives the test');
    }
  } finally {
    tmp.cleanup();
  }
});

function config(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

function log(jobId: number, task: number): string {
  const p = join(work, `gc-run-${jobId}_${task}.log`);
  return existsSync(p) ? readFileSync(p, 'utf8') : `(no log at ${p})`;
}

function assertTasks(tasks: TaskState[], want: Record<number, string>, jobId: number): void {
  const got = Object.fromEntries(tasks.map((t) => [t.taskId, `${t.state} ${t.exitCode}`]));
  assert.deepEqual(got, want, `job ${jobId}: ${JSON.stringify(tasks)}\n${tasks.map((t) => log(jobId, t.taskId)).join('\n')}\n${cluster!.logs()}`);
}

const epochs = (dir: string) => csvRows(dir).map((r) => Number(r[0]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('sbatch --array=0-2:2%2 of deploy/slurm-array.sbatch: 4 runs over 2 tasks, each run complete exactly once', { skip: need.skip, timeout: 120_000 }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const cfg = config('tiny.yaml', `experiment: tiny
dataset: { name: fashion-mnist, train_size: 64, test_size: 40 }
model: { arch: mlp, widths: [16] }
optimizer: { lr: 0.1 }
train: { batch_size: 16, epochs: 2 }
gc: { examples: 16, batch_size: 8 }
sweep: { grid: { optimizer.lr: [0.05, 0.1] }, seeds: [0, 1] }
`);
  const c = cluster!;
  // A stepped, throttled range: tasks 0 and 2 are shards 0/2 and 1/2.
  const job = c.sbatch(['--array=0-2:2%2', ...fit, SCRIPT, cfg], work, jobEnv);
  assertTasks(await c.waitDone(job, 90_000), { 0: 'COMPLETED 0:0', 2: 'COMPLETED 0:0' }, job);
  for (const [t, i] of [[0, 0], [2, 1]]) assert.match(log(job, t), new RegExp(`shard ${i}/2 \\(from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT\\): 2 of 4 run\\(s\\)`));

  const dirs = runDirs(results, 'tiny');
  assert.equal(dirs.length, 4, dirs.join('\n'));
  const trainers = new Set<string>();
  for (const d of dirs) {
    const rec = record(d);
    assert.equal(rec.status, 'complete', d);
    assert.equal(rec.attempts.length, 1, `${d}: trained once`);
    assert.deepEqual(epochs(d), range(3), `${d}: one row per epoch`);
    trainers.add(`${rec.attempts[0].host}:${rec.attempts[0].pid}`);
  }
  assert.equal(trainers.size, 2, 'two array tasks, two runs each');
});

test('scancel of a task mid-run, then the same sbatch again: the run resumes from its last epoch', { skip: need.skip, timeout: 150_000 }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const E = 10;
  const cfg = config('slow.yaml', `experiment: slow
dataset: { name: fashion-mnist, train_size: 512, test_size: 100 }
model: { arch: mlp, widths: [32] }
optimizer: { lr: 0.05 }
train: { batch_size: 16, epochs: ${E} }
gc: { examples: 16, batch_size: 8 }
sweep: { seeds: [0, 1] }
`);
  const c = cluster!;
  const args = ['--array=0-1', ...fit, SCRIPT, cfg];
  const job = c.sbatch(args, work, jobEnv);
  // Task 1 trains run 1 (seed 1): cancel it once two epochs are on disk (epoch-0 row + one trained).
  let victim = '';
  await c.until('task 1 has trained an epoch', () => {
    victim = runDirs(results, 'slow').find((d) => basename(d).startsWith('s1-')) ?? '';
    return victim !== '' && csvRows(victim).length >= 2;
  }, 90_000);
  assert.equal(c.cmd('scancel', [`${job}_1`]).status, 0);
  const first = await c.waitDone(job, 90_000);
  const states = first.map((t) => `${t.taskId} ${t.state}`);
  assert.deepEqual(states, ['0 COMPLETED', '1 CANCELLED'], `${JSON.stringify(first)}\n${log(job, 1)}`);
  const cut = csvRows(victim);
  assert.ok(cut.length >= 2 && cut.length < E + 1, `cancelled mid-run: ${cut.length} rows of ${E + 1}\n${log(job, 1)}`);
  const rec1 = record(victim);
  assert.equal(rec1.status, 'interrupted', `SIGTERM from scancel recorded\n${log(job, 1)}`);
  assert.match(log(job, 1), /interrupted/i);

  const again = c.sbatch(args, work, jobEnv);
  assertTasks(await c.waitDone(again, 90_000), { 0: 'COMPLETED 0:0', 1: 'COMPLETED 0:0' }, again);
  for (const d of runDirs(results, 'slow')) {
    assert.deepEqual(epochs(d), range(E + 1), `${d}: one row per epoch, none twice`);
    assert.equal(record(d).status, 'complete', d);
  }
  const resumed = record(victim);
  assert.equal(resumed.attempts.length, 2, JSON.stringify(resumed.attempts));
  assert.equal(resumed.attempts[1].from_epoch, cut.length, 'resumed at the epoch after the last finished one (rows 0..k on disk)');
  assert.ok(resumed.attempts[1].from_epoch > 0);
  assert.deepEqual(csvRows(victim).slice(0, cut.length), cut, 'finished epochs kept as they were, not retrained');
  const other = runDirs(results, 'slow').find((d) => basename(d).startsWith('s0-'))!;
  assert.equal(record(other).attempts.length, 1, 'the complete run is skipped on resubmission');
  assert.match(log(again, 0), /1 already complete/);
});
