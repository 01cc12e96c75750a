import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';
import { csvRows, gcRun, numbersOnly, record, runDirs } from '../helpers/cli.js';

test('a diverging grid value is marked diverged, the others complete, exit 1; a re-run still reports it', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out, 'sweep: { grid: { optimizer.lr: [0.05, 1.0e+30] } }\n'));
    const r = gcRun([file, '--progress', 'none'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /diverged: lr=1e\+30/);
    const [ok, bad] = runDirs(out).sort((a) => (basename(a).startsWith('lr=0.05') ? -1 : 1));
    assert.equal(record(ok).status, 'complete');
    const rec = record(bad);
    assert.equal(rec.status, 'diverged');
    assert.equal(rec.error.epoch, 1);
    assert.match(rec.error.message, /non-finite/);
    assert.ok(!existsSync(join(bad, 'checkpoint')));
    const again = gcRun([file, '--progress', 'lines'], dir);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /diverged \(earlier\)/);
    assert.doesNotMatch(again.stderr, /start \(/, 'nothing retrained');
  } finally {
    cleanup();
  }
});

test('--dry-run lists runs with seeds and swept values, writes nothing; --set overrides are typed', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out));
    const args = [file, '--dry-run', '--json', '--set', 'sweep.grid.optimizer.lr=[0.01, 0.1]', '--set', 'sweep.seeds=[0,1]', '--set', 'train.epochs=3'];
    const r = gcRun(args, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(dir), ['c.yaml'], 'nothing written');
    const runs = JSON.parse(r.stdout).runs as { seed: number; swept: Record<string, unknown>; status: string; epochs: number }[];
    assert.deepEqual(
      runs.map((x) => [x.seed, x.swept['optimizer.lr'], x.status, x.epochs]),
      [[0, 0.01, 'pending', 3], [0, 0.1, 'pending', 3], [1, 0.01, 'pending', 3], [1, 0.1, 'pending', 3]],
    );
    const text = gcRun([file, '--dry-run', '--shard', '1/2', '--set', 'sweep.seeds=[0,1,2]'], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stderr, /shard 1\/2 \(from --shard\): 1 of 3 run\(s\)/);
    assert.match(text.stdout, /s1-[0-9a-f]{8}\s+seed=1\s+pending/);
    const env = gcRun([file, '--dry-run', '--set', 'sweep.seeds=[0,1,2]'], dir, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' });
    assert.match(env.stderr, /shard 0\/2 \(from SLURM_ARRAY_TASK_ID\/SLURM_ARRAY_TASK_COUNT\): 2 of 3/);
    assert.deepEqual(readdirSync(dir), ['c.yaml'], 'still nothing written');
  } finally {
    cleanup();
  }
});

test('a bad --set exits 2 naming the --set and the key path, writing nothing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
    const cases: [string, RegExp][] = [
      ['optimizer.lr=fast', /optimizer\.lr: .*\(from --set optimizer\.lr=fast\)/],
      ['optimizer.lrr=0.1', /optimizer\.lrr: unknown key.*\(from --set optimizer\.lrr=0\.1\)/],
      ['sweep.grid.optimizer.lr=[0.1, -1]', /sweep\.grid\.optimizer\.lr\[1\].*from --set sweep\.grid\.optimizer\.lr=\[0\.1, -1\]/],
      ['sweep.seeds=[-1]', /sweep\.seeds\[0\].*from --set sweep\.seeds=\[-1\]/],
      ['train.epochs', /--set train\.epochs: expected key\.path=value/],
    ];
    for (const [set, re] of cases) {
      const r = gcRun([file, '--set', set], dir);
      assert.equal(r.status, 2, `${set}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    for (const bad of [['--jobs', '0'], ['--shard', '2/2'], ['--json']]) assert.equal(gcRun([file, ...bad], dir).status, 2, bad.join(' '));
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  } finally {
    cleanup();
  }
});

test('--jobs 2 gives the same results as --jobs 1, and provenance names the command in workers', () => {
  const { dir, cleanup } = tempDir();
  try {
    const grid = 'sweep: { grid: { optimizer.lr: [0.05, 0.2] }, seeds: [0, 1] }\n';
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    writeFileSync(join(dir, 'one.yaml'), tinyConfigYaml(one, grid));
    writeFileSync(join(dir, 'two.yaml'), tinyConfigYaml(two, grid));
    assert.equal(gcRun(['one.yaml', '--progress', 'none'], dir).status, 0);
    const r = gcRun(['two.yaml', '--jobs', '2', '--progress', 'lines'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[gc-run w1\]/);
    assert.match(r.stderr, /\[gc-run w2\]/);
    const ids = runDirs(one).map((d) => basename(d));
    assert.equal(ids.length, 4);
    assert.deepEqual(runDirs(two).map((d) => basename(d)), ids);
    for (const id of ids) {
      assert.deepEqual(numbersOnly(csvRows(join(two, 'tiny', id))), numbersOnly(csvRows(join(one, 'tiny', id))), id);
      const rec = record(join(two, 'tiny', id));
      assert.match(rec.command, /two\.yaml --jobs 2/);
      assert.equal(rec.config_file, 'config.json');
      assert.ok(id.endsWith(rec.config_hash));
    }
  } finally {
    cleanup();
  }
});
