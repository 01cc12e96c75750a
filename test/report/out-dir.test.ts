/**
 * gc-report --out only ever replaces a folder gc-report wrote itself; everything else is refused
 * with exit 2, one clear line, and nothing touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reportCommand } from '../../src/cli/report.js';
import { REPORT_MARKER } from '../../src/report/out-dir.js';
import { writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { captureIo } from '../helpers/cli.js';

const capture = captureIo;

/** A small results folder: one sweep with two runs. */
function results(label: string): string {
  const root = tempDir(`gc-report-${label}-`).dir;
  for (const seed of [0, 1]) {
    writeRun(root, { experiment: 'x', seed, swept: { 'optimizer.lr': 0.1 }, status: 'complete', rows: curve(20, 10 + seed, 0.8) });
  }
  return root;
}

/** Every path below `dir` with its content (files) or '/' (folders): to show nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[p] = '/';
        walk(p);
      } else out[p] = e.isSymbolicLink() ? '->' : readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function refused(args: string[], pattern: RegExp, untouched: string[]) {
  const before = untouched.map(snapshot);
  const c = capture();
  assert.equal(await reportCommand(args, c.io), 2, `exit 2 for ${args.join(' ')}; stderr: ${c.err()}`);
  assert.match(c.err(), pattern);
  assert.equal(c.err().trim().split('\n').length, 1, `one line: ${c.err()}`);
  assert.doesNotMatch(c.err(), /\n\s+at |internal error/, 'no stack trace');
  assert.equal(c.out(), '');
  untouched.forEach((d, i) => assert.deepEqual(snapshot(d), before[i], `${d} untouched`));
}

test('--out an existing folder gc-report did not write (thesis.tex) → exit 2, the file kept', async () => {
  const root = results('thesis');
  const important = join(tempDir('gc-report-important-').dir, 'important');
  mkdirSync(important);
  writeFileSync(join(important, 'thesis.tex'), 'x\n');
  await refused([root, '--out', important], /--out .*important: existing folder not written by gc-report \(no \.gc-report\.json marker; holds thesis\.tex\)/, [dirname(important), root]);
  assert.equal(readFileSync(join(important, 'thesis.tex'), 'utf8'), 'x\n');
});

test('--out the results folder, a folder containing it, or a folder inside it → exit 2, runs kept', async () => {
  const root = results('self');
  await refused([root, '--out', root], /is or contains the results folder .* being read/, [root]);
  await refused([root, '--out', dirname(root)], /is or contains the results folder/, [root]);
  await refused([root, '--out', join(root, 'x')], /is inside the results folder .* being read; use .*\/report \(the default\)/, [root]);
  await refused([root, '--out', join(root, 'x', 'rep')], /is inside the results folder/, [root]);
  // The second of two results folders is protected too.
  const other = results('other');
  await refused([root, other, '--out', join(other, 'x')], /is inside the results folder/, [root, other]);
});

test('--out another results folder (holding run folders) → exit 2, nothing touched', async () => {
  const root = results('read');
  const victim = results('victim');
  await refused([root, '--out', victim], /holds run folders \(a results folder\)/, [victim, root]);
});

test('--out a regular file, a path below a file, or a symbolic link → exit 2, nothing touched', async () => {
  const root = results('file');
  const dir = tempDir('gc-report-files-').dir;
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'keep me\n');
  await refused([root, '--out', file], /notes\.txt: is a file, not a folder/, [dir, root]);
  await refused([root, '--out', join(file, 'rep')], /notes\.txt is a file, not a folder/, [dir, root]);
  const target = join(dir, 'target');
  mkdirSync(target);
  symlinkSync(target, join(dir, 'link'));
  await refused([root, '--out', join(dir, 'link')], /is a symbolic link/, [dir, root]);
});

test('--out /proc/x, /proc/x/y, /sys/x (unwritable) → exit 2 with one line, no stack, no hang', { timeout: 60_000 }, async () => {
  const root = results('proc');
  for (const out of ['/proc/x', '/proc/x/y', '/sys/x']) {
    const c = capture();
    assert.equal(await reportCommand([root, '--out', out], c.io), 2, `${out}: ${c.err()}`);
    assert.match(c.err().trim(), new RegExp(`^gc-report: error: --out ${out}: cannot (write the report in|create the folder) /(proc|sys)[^ ]* \\((ENOENT|EPERM|EACCES|EROFS)\\)$`));
    assert.equal(c.err().trim().split('\n').length, 1, c.err());
    assert.ok(!existsSync(out));
  }
  assert.deepEqual(readdirSync(root).sort(), ['x'], 'no report folder or temp folder in the results');
});

test('a report folder is replaced; with a file added by hand it is refused; an empty folder is used', async () => {
  const root = results('replace');
  const out = join(tempDir('gc-report-rep-').dir, 'report');
  const c = capture();
  assert.equal(await reportCommand([root, '--out', out], c.io), 0, c.err());
  const marker = JSON.parse(readFileSync(join(out, REPORT_MARKER), 'utf8'));
  assert.deepEqual([marker.format, marker.version], ['gc-report', 1]);
  assert.deepEqual([...marker.files, REPORT_MARKER].sort(), readdirSync(out).sort(), 'the marker lists every file written');
  // Replaced again: an earlier gc-report folder.
  writeFileSync(join(out, 'summary.csv'), 'stale\n');
  assert.equal(await reportCommand([root, '--out', out], capture().io), 0);
  assert.notEqual(readFileSync(join(out, 'summary.csv'), 'utf8'), 'stale\n');
  assert.deepEqual(readdirSync(dirname(out)), ['report'], 'no temp or old folder left');
  // The user put a file into the report folder: refused, the file kept.
  writeFileSync(join(out, 'notes.md'), 'mine\n');
  await refused([root, '--out', out], /report folder holds entries gc-report did not write \(notes\.md\)/, [dirname(out), root]);
  // An empty folder (e.g. made with mkdir beforehand) is used: nothing in it can be lost.
  const empty = join(tempDir('gc-report-empty-').dir, 'r');
  mkdirSync(empty);
  assert.equal(await reportCommand([root, '--out', empty], capture().io), 0);
  assert.ok(existsSync(join(empty, 'report.html')) && existsSync(join(empty, REPORT_MARKER)));
  // A missing chain of parents is created.
  const deep = join(tempDir('gc-report-deep-').dir, 'a', 'b', 'report');
  assert.equal(await reportCommand([root, '--out', deep], capture().io), 0);
  assert.ok(existsSync(join(deep, REPORT_MARKER)));
});

test('the default <results>/report of an earlier version (no marker, only report files) is replaced', async () => {
  const root = results('legacy');
  const report = join(root, 'report');
  mkdirSync(report);
  for (const f of ['summary.csv', 'runs.csv', 'report.md', 'repro.md', 'report.html', 'gc-vs-epoch.svg', 'gc-vs-epoch.png']) {
    writeFileSync(join(report, f), 'old\n');
  }
  const c = capture();
  assert.equal(await reportCommand([root], c.io), 0, c.err());
  assert.ok(existsSync(join(report, REPORT_MARKER)));
  assert.notEqual(readFileSync(join(report, 'summary.csv'), 'utf8'), 'old\n');
  // But the same files plus one more are not a report of ours.
  rmSync(join(report, REPORT_MARKER));
  writeFileSync(join(report, 'draft.tex'), 'mine\n');
  await refused([root], /existing folder not written by gc-report/, [root]);
});
