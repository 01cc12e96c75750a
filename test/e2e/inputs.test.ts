import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BIN, gcRunAsync } from '../helpers/cli.js';
import { packageRoot } from '../../src/results/record.js';

const BIN_DATA = join(packageRoot(), 'bin', 'gc-data.js');
const BIN_REPORT = join(packageRoot(), 'bin', 'gc-report.js');
/** A loopback port nothing listens on (connections refused at once: no network needed). */
const REFUSED = 'http://127.0.0.1:9/';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

/** Runs a CLI under a watchdog: SIGTERM after `termAfterMs`, SIGKILL 5 s later (a test never hangs). */
function runGuarded(bin: string, args: string[], cwd: string, termAfterMs = 8_000, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; termed: boolean; killed: boolean }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', ...env } });
    let stderr = '';
    let termed = false;
    let killed = false;
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const term = setTimeout(() => {
      termed = true;
      child.kill('SIGTERM');
    }, termAfterMs);
    const kill = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, termAfterMs + 5_000);
    child.on('exit', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, signal, stderr, termed, killed });
    });
  });
}

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .*:\d+:\d+/, `no stack trace:\n${s}`);

for (const [name, out] of [
  ['/proc/x (mkdir -p there loops forever)', '/proc/x'],
  ['/sys/x (not writable, even for root)', '/sys/x'],
] as const) {
  test(`gc-run --out ${name}: exit 2 at once with one line naming --out, nothing written`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
      const r = await runGuarded(BIN, [file, '--out', out, '--progress', 'none'], dir);
      assert.equal(r.killed, false, 'SIGTERM was ignored: only SIGKILL stopped gc-run');
      assert.equal(r.termed, false, `gc-run was still running after 8 s:\n${r.stderr}`);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`--out ${out}: cannot create folders in /(proc|sys)`));
      noStack(r.stderr);
      assert.deepEqual(readdirSync(dir), ['c.yaml']);
    } finally {
      cleanup();
    }
  });
}

test('gc-run --out naming a regular file, or a path below one: exit 2, the file untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')));
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    for (const out of ['notes.txt', 'notes.txt/sub']) {
      for (const extra of [[], ['--dry-run']]) {
        const r = await runGuarded(BIN, [file, '--out', out, '--progress', 'none', ...extra], dir);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^gc-run: error: --out notes\.txt(\/sub)?: .*notes\.txt is a file, expected a folder/);
        noStack(r.stderr);
      }
    }
    // The same check names the config key when the folder comes from the file.
    writeFileSync(file, tinyConfigYaml(join(dir, 'notes.txt')));
    const r = await runGuarded(BIN, [file, '--progress', 'none'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /c\.yaml: output_dir .*notes\.txt: .*is a file/);
    assert.deepEqual(readdirSync(dir).sort(), ['c.yaml', 'notes.txt']);
  } finally {
    cleanup();
  }
});

test('SIGTERM stops a training gc-run promptly (exit 130, the run resumable)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out).replace('epochs: 2', 'epochs: 400'));
    const run = gcRunAsync([file, '--progress', 'lines'], dir);
    const t0 = Date.now();
    while (!/epoch 1\b/.test(run.stderr()) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    assert.match(run.stderr(), /epoch 1\b/, run.stderr());
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const watchdog = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    const done = await run.done;
    clearTimeout(watchdog);
    assert.equal(done.code, 130, `${JSON.stringify(done)}\n${run.stderr()}`);
    assert.ok(Date.now() - sent < 10_000, `took ${Date.now() - sent} ms to stop`);
    assert.ok(existsSync(join(out, 'tiny')));
  } finally {
    cleanup();
  }
});

test('gc-data fetch --mirror that is not an http(s) URL (flag or $GC_DATA_MIRROR): exit 2, one line, nothing created', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const root = join(dir, 'data', 'deeper');
    for (const [args, env, label] of [
      [['--mirror', 'not a url'], {}, '--mirror'],
      [['--mirror', 'ftp://host/x'], {}, '--mirror'],
      [[], { GC_DATA_MIRROR: 'not a url' }, '\\$GC_DATA_MIRROR'],
    ] as const) {
      const r = await runGuarded(BIN_DATA, ['fetch', 'cifar10', '--data-dir', root, ...args], dir, 8_000, env);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^gc-data: error: ${label} '.*': expected an http:// or https:// base URL`));
      noStack(r.stderr);
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('a failed fetch (gc-data, or gc-run with --data-dir naming a missing folder) leaves no folders behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runGuarded(BIN_DATA, ['fetch', 'mnist', '--data-dir', join(dir, 'new', 'data'), '--mirror', REFUSED], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\//);
    assert.deepEqual(readdirSync(dir), [], 'the data root gc-data created is removed again');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')).replace('fashion-mnist', 'mnist'));
    for (const jobs of ['1', '2']) {
      const g = await runGuarded(BIN, [file, '--data-dir', join(dir, 'missing', 'data'), '--jobs', jobs, '--progress', 'none', '--set', 'sweep.seeds=[0,1]'], dir, 30_000, { GC_DATA_MIRROR: REFUSED });
      assert.equal(g.code, 2, g.stderr);
      assert.deepEqual(readdirSync(dir), ['c.yaml'], `--jobs ${jobs}: nothing written`);
    }
  } finally {
    cleanup();
  }
});

test('gc-run --jobs 2 fetches a missing dataset once, before its workers start (no two installs race over one data root)', async () => {
  const { dir, cleanup } = tempDir();
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    // Answered late, so that workers fetching for themselves would all have asked by then.
    setTimeout(() => res.writeHead(404).end(), 2_000);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results')).replace('fashion-mnist', 'mnist'));
    const g = await runGuarded(BIN, [file, '--data-dir', join(dir, 'missing', 'data'), '--jobs', '2', '--progress', 'none', '--set', 'sweep.seeds=[0,1,2,3]'], dir, 30_000, { GC_DATA_MIRROR: mirror });
    assert.equal(g.code, 2, g.stderr);
    assert.deepEqual(g.stderr.split('\n').filter((l) => /error/.test(l)), [`gc-run: error: download of ${mirror}train-images-idx3-ubyte.gz failed: HTTP 404 Not Found`]);
    assert.equal(asked.length, 1, `one request (the install stops at its first failed file), got ${JSON.stringify(asked)}`);
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  } finally {
    server.close();
    cleanup();
  }
});

test('command-line errors are printed once, as one line, by gc-run, gc-report and gc-data (exit 2)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [bin, prog, args] of [
      [BIN, 'gc-run', ['--bogus']],
      [BIN, 'gc-run', ['--jobs']],
      [BIN_REPORT, 'gc-report', ['--bogus']],
      [BIN_DATA, 'gc-data', ['fetch', 'mnist', '--bogus']],
      [BIN_DATA, 'gc-data', ['fetch']],
    ] as const) {
      const r = await runGuarded(bin, [...args], dir);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${prog} ${args.join(' ')} printed:\n${r.stderr}`);
      assert.match(lines[0], new RegExp(`^${prog}: error: .*\\(run ${prog} --help for usage\\)$`));
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});
