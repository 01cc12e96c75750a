/**
 * File-system safety of gc-run (issue 25, items 1-9): no hang on /proc or /sys, nothing written
 * through a symbolic link, one rule for linked run folders, backend-checked and checksummed
 * resumes, a full disk or a read-only folder failing one run (not the sweep), run ids within
 * file-system limits, stale temporaries of dead processes cleaned. Each test runs the real CLI on
 * tiny configs in temp folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { BIN, csvRows, gcRun, gcRunAsync, record, runDirs, waitFor } from '../helpers/cli.js';
import { inCI } from '../helpers/requirements.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';
import { packageRoot } from '../../src/results/record.js';

const BIN_DATA = join(packageRoot(), 'bin', 'gc-data.js');
const BIN_REPORT = join(packageRoot(), 'bin', 'gc-report.js');
const REFUSED = 'http://127.0.0.1:9/';
const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .*:\d+:\d+/, `no stack trace:\n${s}`);
const errorLines = (s: string) => s.split('\n').filter((l) => /error/.test(l));

/** Runs a CLI with a watchdog (SIGTERM after `ms`, SIGKILL 5 s later): a hang fails, never blocks the suite. */
function runGuarded(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, ms = 8_000) {
  return new Promise<{ code: number | null; stderr: string; termed: boolean }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', ...env } });
    let stderr = '';
    let termed = false;
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const term = setTimeout(() => ((termed = true), child.kill('SIGTERM')), ms);
    const kill = setTimeout(() => child.kill('SIGKILL'), ms + 5_000);
    child.on('exit', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, stderr, termed });
    });
  });
}

/** A pid that is surely dead: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', ''], {}).pid!;
}

/** A 2-run lr sweep on the tiny config (epochs as given). */
function sweepYaml(out: string, epochs = 2): string {
  return tinyConfigYaml(out, `sweep: { grid: { optimizer.lr: [0.05, 0.1] } }\n`).replace('epochs: 2', `epochs: ${epochs}`);
}

/** Epochs of the run interruptedRun stops: enough that it cannot finish before the SIGTERM lands. */
const LONG_EPOCHS = 25;

/** Starts a long run, SIGTERMs it once a checkpoint exists: an `interrupted` run with a checkpoint. */
async function interruptedRun(dir: string, extra: string[] = []): Promise<{ file: string; out: string; run: string }> {
  const out = join(dir, 'results');
  const file = join(dir, 'c.yaml');
  writeFileSync(file, tinyConfigYaml(out).replace('epochs: 2', `epochs: ${LONG_EPOCHS}`));
  const bg = gcRunAsync([file, '--progress', 'none', ...extra], dir);
  await waitFor(() => runDirs(out).some((d) => existsSync(join(d, 'checkpoint', 'state.json'))), 60_000);
  bg.child.kill('SIGTERM');
  await bg.done;
  const [run] = runDirs(out);
  assert.equal(record(run).status, 'interrupted', bg.stderr());
  return { file, out, run };
}

// ---------------------------------------------------------------- 1. no hang on /proc, /sys

for (const [how, root] of [
  ['--data-dir /proc/x', '/proc/x'],
  ['GC_DATA_DIR=/proc/x', '/proc/x'],
  ['--data-dir /sys/x', '/sys/x'],
] as const) {
  test(`gc-run with ${how}: exit 2 at once, one line naming the data root, no stack`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
      const flag = how.startsWith('--') ? ['--data-dir', root] : [];
      const env = { GC_DATA_MIRROR: REFUSED, ...(how.startsWith('GC_') ? { GC_DATA_DIR: root } : {}) };
      const r = await runGuarded(BIN, [file, '--progress', 'none', ...flag], dir, env);
      assert.equal(r.termed, false, `gc-run still running after 8 s (mkdir loop):\n${r.stderr}`);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(errorLines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`error: data root ${root}: cannot create the folder ${root}`));
      noStack(r.stderr);
    } finally {
      cleanup();
    }
  });
}

test('gc-data fetch --data-dir /proc/x: exit 2 at once, one line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runGuarded(BIN_DATA, ['fetch', 'mnist', '--data-dir', '/proc/x', '--mirror', REFUSED], dir);
    assert.equal(r.termed, false, `gc-data still running after 8 s:\n${r.stderr}`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^gc-data: error: data root \/proc\/x: cannot create the folder \/proc\/x/);
    noStack(r.stderr);
  } finally {
    cleanup();
  }
});

test('SIGTERM during set-up (a download that hangs) ends gc-run at once: exit 130, no staging folder left', async () => {
  const { dir, cleanup } = tempDir();
  let requests = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => void requests++); // accepts, never answers
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
    const data = join(dir, 'data');
    const child = spawn(process.execPath, [BIN, file, '--progress', 'none', '--data-dir', data], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', GC_DATA_MIRROR: url },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => requests > 0, 30_000);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const code = await exited;
    clearTimeout(kill);
    assert.ok(Date.now() - t0 < 8_000, `one SIGTERM did not end gc-run during set-up:\n${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGTERM during set-up/);
    const left = existsSync(data) ? readdirSync(data).filter((n) => n.startsWith('.tmp-')) : [];
    assert.deepEqual(left, [], 'the download staging folder is removed');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    cleanup();
  }
});

// ---------------------------------------------------------------- 2./3. symbolic links

test('a symlinked metrics.csv in a run folder: --restart refuses (exit 2, the link named), nothing written anywhere', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, sweepYaml(out));
    assert.equal(gcRun([file, '--progress', 'none'], dir).status, 0);
    const [a, b] = runDirs(out);
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, 'precious\n');
    rmSync(join(a, 'metrics.csv'));
    symlinkSync(outside, join(a, 'metrics.csv'));
    const before = [readFileSync(join(a, 'run.json'), 'utf8'), readFileSync(join(b, 'run.json'), 'utf8'), readFileSync(join(b, 'metrics.csv'), 'utf8')];
    for (const extra of [['--restart'], ['--restart', '--dry-run']]) {
      const r = gcRun([file, '--progress', 'none', ...extra], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`error: ${join(a, 'metrics.csv').replace(/[.]/g, '\\.')} is a symbolic link`));
      noStack(r.stderr);
    }
    // Without --restart both runs are complete: skipped, nothing written, no refusal.
    assert.equal(gcRun([file, '--progress', 'none'], dir).status, 0);
    assert.equal(readFileSync(outside, 'utf8'), 'precious\n', 'the outside file is untouched');
    const after = [readFileSync(join(a, 'run.json'), 'utf8'), readFileSync(join(b, 'run.json'), 'utf8'), readFileSync(join(b, 'metrics.csv'), 'utf8')];
    assert.deepEqual(after, before, 'the whole invocation stopped before writing anything');
  } finally {
    cleanup();
  }
});

test('a run folder that is a symlink to a folder outside results/: followed by gc-run --dry-run and gc-report, and said so', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, sweepYaml(out));
    assert.equal(gcRun([file, '--progress', 'none'], dir).status, 0);
    const [a] = runDirs(out);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(a, join(elsewhere, basename(a)));
    symlinkSync(join(elsewhere, basename(a)), a);

    const plan = gcRun([file, '--dry-run', '--json'], dir);
    assert.equal(plan.status, 0, plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout).runs as { status: string }[]).map((e) => e.status), ['done', 'done']);
    assert.match(plan.stderr, /note: run folder .* is a symbolic link to .*elsewhere.*: followed/);

    const rep = spawnSync(process.execPath, [BIN_REPORT, out, '--out', join(dir, 'report')], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.equal(rep.status, 0, rep.stderr);
    assert.match(rep.stderr, /note: .* is a symbolic link to .*elsewhere.*: followed/);
    const runsCsv = readFileSync(join(dir, 'report', 'runs.csv'), 'utf8');
    assert.equal(runsCsv.trim().split('\n').length, 3, `both runs reported:\n${runsCsv}`);
    assert.ok(runsCsv.includes(basename(a)), runsCsv);
  } finally {
    cleanup();
  }
});

// ---------------------------------------------------------------- 4./5. resumes

test('resume on another backend is refused (exit 2, both ways out named); the same backend resumes, attempts[] record each backend', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { file, run } = await interruptedRun(dir, ['--backend', 'cpu']);
    const before = readFileSync(join(run, 'run.json'), 'utf8');
    const r = gcRun([file, '--progress', 'none', '--backend', 'wasm'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /trained on backend cpu up to epoch \d+; resuming it on wasm would not be bit-identical: re-run with --backend cpu .* or with --restart/);
    noStack(r.stderr);
    assert.equal(readFileSync(join(run, 'run.json'), 'utf8'), before, 'nothing written');
    const again = gcRun([file, '--progress', 'none', '--backend', 'cpu'], dir);
    assert.equal(again.status, 0, again.stderr);
    const rec = record(run);
    assert.equal(rec.status, 'complete');
    assert.deepEqual(rec.attempts.map((a: { backend: string }) => a.backend), ['cpu', 'cpu']);
    assert.ok(rec.attempts[1].from_epoch > 0, 'resumed');
  } finally {
    cleanup();
  }
});

test('a checkpoint with corrupted bytes of the right size fails its checksum: trained afresh, said in one line, never a false diverged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { file, run } = await interruptedRun(dir);
    const ck = join(run, 'checkpoint');
    const weights = readdirSync(ck).find((f) => /^weights-\d+\.bin$/.test(f))!;
    const bytes = readFileSync(join(ck, weights));
    const nan = new Float32Array(bytes.byteLength / 4).fill(NaN);
    writeFileSync(join(ck, weights), new Uint8Array(nan.buffer));
    const r = gcRun([file, '--progress', 'none'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => /SHA-256/.test(l)).length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${weights.replace('.', '\\.')} fails its SHA-256 check .*trained afresh from epoch 0`));
    const rec = record(run);
    assert.equal(rec.status, 'complete', JSON.stringify(rec.error));
    const last = rec.attempts.at(-1);
    assert.equal(last.from_epoch, 0);
    assert.match(last.note, /SHA-256/);
    assert.deepEqual(csvRows(run).map((row) => Number(row[0])), Array.from({ length: LONG_EPOCHS + 1 }, (_, i) => i));
  } finally {
    cleanup();
  }
});

// ---------------------------------------------------------------- 6. disk full (a real 2 MB tmpfs)

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): probed for real. */
function canMountTmpfs(): string | null {
  const { dir, cleanup } = tempDir();
  try {
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) return `mount -t tmpfs not permitted here (${(m.stderr || m.error?.message || '').trim()}); needs root with CAP_SYS_ADMIN`;
    spawnSync('umount', [dir]);
    return null;
  } finally {
    cleanup();
  }
}
const tmpfsMissing = canMountTmpfs();

test('disk full (2 MB tmpfs): the run ends failed naming disk full and the file, no temporaries, no stack; freed space resumes it', {
  skip: tmpfsMissing && !inCI() ? `${tmpfsMissing} (required when CI is set)` : false,
}, () => {
  assert.equal(tmpfsMissing, null, `${tmpfsMissing} (required because CI is set)`);
  const { dir, cleanup } = tempDir();
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  try {
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]).status, 0);
    mounted = true;
    const out = join(mnt, 'results');
    const file = join(dir, 'c.yaml');
    // 305,290 weights = 1.2 MB per checkpoint: the first fits, the second (written before the first is removed) does not.
    writeFileSync(file, tinyConfigYaml(out).replace('widths: [16]', 'widths: [384]').replace('epochs: 2', 'epochs: 3'));
    const r = gcRun([file, '--progress', 'none'], dir);
    assert.equal(r.status, 1, r.stderr);
    noStack(r.stderr);
    assert.match(r.stderr, /failed: s0-\w+ at epoch 1: disk full \(ENOSPC\) writing .*checkpoint\/weights-1\.bin\n/);
    const [run] = runDirs(out);
    const rec = record(run);
    assert.equal(rec.status, 'failed');
    assert.match(rec.error.message, /disk full \(ENOSPC\)/);
    const all = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(d, e.name)) : [join(d, e.name)]));
    assert.deepEqual(all(run).filter((f) => basename(f).startsWith('.')), [], 'no temporaries left');
    assert.ok(!existsSync(join(run, 'lock')), 'lock released');

    assert.equal(spawnSync('mount', ['-o', 'remount,size=16m', mnt]).status, 0);
    const again = gcRun([file, '--progress', 'none'], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(record(run).status, 'complete');
    assert.equal(record(run).attempts.at(-1).from_epoch, 1, 'resumed from the epoch-0 checkpoint');
  } finally {
    if (mounted) spawnSync('umount', [mnt]);
    cleanup();
  }
});

// ---------------------------------------------------------------- 7. read-only run folder, unprivileged user

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
/**
 * How to run gc-run without root's power over permissions: as is when not root; as nobody when
 * nobody can read this checkout (and its datasets); otherwise (a checkout under /root) as root
 * without the capabilities that bypass file permissions, which is what a user meets.
 */
function unprivileged(): { prefix: string[]; nobody: boolean } {
  if (process.getuid?.() !== 0) return { prefix: [], nobody: false };
  const probe = `const fs=require('fs');fs.accessSync(${JSON.stringify(BIN)},fs.constants.R_OK);fs.readdirSync(${JSON.stringify(join(packageRoot(), 'datasets', 'fashion-mnist'))})`;
  if (spawnSync(NOBODY[0], [...NOBODY.slice(1), process.execPath, '-e', probe]).status === 0) return { prefix: NOBODY, nobody: true };
  return { prefix: ['setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner'], nobody: false };
}

test('a read-only run folder (unprivileged user, stale lock inside): that run fails, the other run trains', () => {
  const { dir, cleanup } = tempDir();
  try {
    const { prefix, nobody } = unprivileged();
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, sweepYaml(out));
    const plan = gcRun([file, '--dry-run', '--json'], dir);
    const [a, b] = (JSON.parse(plan.stdout).runs as { dir: string }[]).map((e) => e.dir);
    mkdirSync(a, { recursive: true });
    writeFileSync(join(a, 'lock'), JSON.stringify({ pid: deadPid(), host: hostname(), started_at: new Date().toISOString() }) + '\n');
    if (nobody) for (const p of [dir, out, join(out, 'tiny'), a, join(a, 'lock'), file]) chownSync(p, 65534, 65534);
    chmodSync(a, 0o555);
    const cmd = [...prefix, process.execPath];
    const r = spawnSync(cmd[0], [...cmd.slice(1), BIN, file, '--progress', 'none'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true', HOME: dir },
    });
    assert.equal(r.status, 1, r.stderr);
    noStack(r.stderr);
    assert.match(r.stderr, new RegExp(`failed: ${basename(a)} at epoch 0: permission denied \\(EACCES\\) taking the lock in `));
    assert.equal(record(b).status, 'complete', 'the other run trained');
    assert.equal(statSync(a).mode & 0o777, 0o555);
  } finally {
    for (const d of runDirs(join(dir, 'results'))) chmodSync(d, 0o755);
    cleanup();
  }
});

// ---------------------------------------------------------------- 8. names too long

test('a 300-character experiment name: exit 2 naming `experiment`, nothing written', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')).replace('experiment: tiny', `experiment: ${'e'.repeat(300)}`));
    for (const extra of [[], ['--dry-run']]) {
      const r = gcRun([file, '--progress', 'none', ...extra], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /- experiment: expected at most 100 characters/);
      noStack(r.stderr);
    }
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  } finally {
    cleanup();
  }
});

test('a grid value that would make a run id too long: the id is shortened (hash), --dry-run agrees, both runs train', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    const data = join(packageRoot(), 'datasets');
    const long = data + '/.'.repeat(150);
    const yaml = tinyConfigYaml(out, `sweep: { grid: { dataset.data_dir: [${JSON.stringify(data)}, ${JSON.stringify(long)}] } }\n`);
    writeFileSync(file, yaml.replace('test_size: 40 }', `test_size: 40, data_dir: ${JSON.stringify(data)} }`));
    const plan = gcRun([file, '--dry-run', '--json'], dir);
    assert.equal(plan.status, 0, plan.stderr);
    const ids = (JSON.parse(plan.stdout).runs as { id: string }[]).map((e) => e.id);
    for (const id of ids) assert.ok(id.length <= 200, `${id.length} characters: ${id}`);
    const r = gcRun([file, '--progress', 'none'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(runDirs(out).map((d) => basename(d)), [...ids].sort(), '--dry-run names the folders the real run writes');
    for (const d of runDirs(out)) assert.equal(record(d).status, 'complete');
  } finally {
    cleanup();
  }
});

// ---------------------------------------------------------------- 9. stale temporaries

test('temporaries of dead processes are removed when the lock is taken; live ones and other files are kept', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out));
    assert.equal(gcRun([file, '--progress', 'none'], dir).status, 0);
    const [run] = runDirs(out);
    const dead = deadPid();
    const stale = [`.config.json.${dead}.tmp`, `.run.json.${dead}.tmp`, `.metrics.csv.${dead}.tmp`, `.model.${dead}.old`];
    for (const f of stale) writeFileSync(join(run, f), 'x');
    mkdirSync(join(run, `.model.${dead}.tmp`));
    writeFileSync(join(run, `.model.${dead}.tmp`, 'weights.bin'), 'x');
    mkdirSync(join(run, 'checkpoint'));
    writeFileSync(join(run, 'checkpoint', `.weights-3.bin.${dead}.tmp`), 'x');
    const kept = [`.run.json.${process.pid}.tmp`, `.notes.${dead}.tmp`, `my.run.json.${dead}.tmp`];
    for (const f of kept) writeFileSync(join(run, f), 'mine');
    const r = gcRun([file, '--progress', 'none', '--restart'], dir);
    assert.equal(r.status, 0, r.stderr);
    for (const f of [...stale, `.model.${dead}.tmp`]) assert.ok(!existsSync(join(run, f)), `${f} removed`);
    assert.ok(!existsSync(join(run, 'checkpoint', `.weights-3.bin.${dead}.tmp`)), 'checkpoint temp removed');
    for (const f of kept) assert.equal(readFileSync(join(run, f), 'utf8'), 'mine', `${f} kept`);
  } finally {
    cleanup();
  }
});
