import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { reportCommand } from '../../src/cli/report.js';
import { parseCsv } from '../../src/report/csv.js';
import { writeDemoResults, writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { captureIo } from '../helpers/cli.js';

const capture = captureIo;

test('writes the report folder: CSVs, markdown, SVG+PNG plots, HTML; prints the summary', async () => {
  const root = tempDir('gc-report-cli-').dir;
  writeDemoResults(root);
  const c = capture();
  assert.equal(await reportCommand([root], c.io), 0, c.err());
  const dir = join(root, 'report');
  const files = readdirSync(dir).sort();
  for (const p of ['gc-vs-epoch', 'test-acc-vs-epoch', 'final-gc-vs-knob', 'final-gc-vs-test-acc']) {
    assert.ok(files.includes(`${p}.svg`) && files.includes(`${p}.png`), p);
  }
  for (const f of ['summary.csv', 'runs.csv', 'report.md', 'repro.md', 'report.html']) assert.ok(files.includes(f), f);
  assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.')), [], 'no temp folders left');
  const summary = parseCsv(readFileSync(join(dir, 'summary.csv'), 'utf8'), 'summary.csv');
  assert.equal(summary.rows.length, 6, 'one row per knob value per sweep');
  const row = summary.rows.find((r) => r[0] === 'lr-sweep' && r[2] === '0.01')!;
  const col = (name: string) => row[summary.header.indexOf(name)];
  assert.deepEqual([col('final_gc_mean'), col('final_gc_std'), col('done')], ['12', '2', '3']);
  const single = summary.rows.find((r) => r[0] === 'bs-sweep' && r[2] === '32')!;
  assert.equal(single[summary.header.indexOf('final_gc_std')], '', 'single seed: empty std, not 0');
  const runs = parseCsv(readFileSync(join(dir, 'runs.csv'), 'utf8'), 'runs.csv');
  assert.equal(runs.rows.length, 12);
  assert.ok(runs.header.includes('optimizer.lr') && runs.header.includes('train.batch_size'));
  assert.ok(runs.rows.some((r) => r[runs.header.indexOf('status')] === 'diverged'));
  assert.match(c.out(), /lr-sweep .*1 failed/);
  assert.match(c.out(), /0\.01 +3\/0\/0 +12 ± 2 /);
  assert.match(c.out(), /32 +1\/0\/0 +4 +0\.66/);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /DIVERGED \(failed\)/);
  const repro = readFileSync(join(dir, 'repro.md'), 'utf8');
  assert.match(repro, /\| ρ gc, p \| ρ gc_margin, p \| runs \/ seeds \/ values \| agrees \(measure\) \|/);
  assert.match(repro, /optimizer\.lr .*↓ \| -0\.9\d\d, p=0\.00\d+ \| -0\.\d+, p=0\.\d+ \| 8 \/ 3 \/ 3 \| yes \|/);
  assert.match(repro, /train\.batch_size .*\| 2 \/ 1 \/ 2 \| not enough data \(1 seed, 2 knob values; need ≥ 3 each\) \|/);
});

test('--json and --repro print machine-readable output; --out chooses the folder', async () => {
  const root = tempDir('gc-report-json-').dir;
  writeDemoResults(root);
  const out = join(tempDir('gc-report-out-').dir, 'nested', 'rep');
  const c = capture();
  assert.equal(await reportCommand([root, '--json', '--repro', '--out', out], c.io), 0, c.err());
  const doc = JSON.parse(c.out());
  assert.equal(doc.out_dir, out);
  const lr = doc.sweeps.find((s: any) => s.experiment === 'lr-sweep');
  assert.deepEqual(lr.groups[1].final_gc, { mean: 6, std: 1, n: 3 });
  assert.equal(doc.sweeps[0].groups[0].final_gc.std, null);
  assert.deepEqual(doc.repro.map((r: any) => [r.key, r.agrees, r.verdict]), [['train.batch_size', null, 'not enough data'], ['optimizer.lr', true, 'yes']]);
  const [gc, margin] = doc.repro[1].measures;
  assert.deepEqual([gc.metric, gc.p_method, gc.p_alternative, gc.n, gc.seeds, gc.knob_values], ['gc', 'exact', 'less', 8, 3, 3]);
  assert.ok(gc.p > 0 && gc.p < 0.01 && gc.spearman < -0.9);
  assert.equal(margin.metric, 'gc_margin');
  assert.equal(margin.verdict, 'inconclusive');
  assert.ok(existsSync(join(out, 'report.html')));
  assert.ok(!existsSync(join(root, 'report')));
  const r = capture();
  assert.equal(await reportCommand([root, '--repro', '--out', out], r.io), 0, 'rewrites an existing report');
  assert.match(r.out(), /paper: GC as knob grows +ρ gc, p +ρ gc_margin, p +runs \/ seeds \/ values +agrees \(measure\)/);
  assert.match(r.out(), /lr-sweep .* -0\.9\d\d, p=0\.00\d+ +-0\.\d+, p=0\.\d+ +8 \/ 3 \/ 3 +yes/);
  assert.match(r.out(), /permutation p-value/);
});

async function expectUsageError(args: string[], pattern: RegExp, reportDir: string) {
  const c = capture();
  assert.equal(await reportCommand(args, c.io), 2, c.err());
  assert.match(c.err(), pattern);
  assert.doesNotMatch(c.err(), /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(reportDir), false, 'no report folder left behind');
}

test('empty or missing results folder → exit 2, clear message, nothing written', async () => {
  const root = tempDir('gc-report-empty-').dir;
  await expectUsageError([root], /no runs found under .*expected run folders/, join(root, 'report'));
  await expectUsageError([join(root, 'nope')], /results folder .*nope: does not exist/, join(root, 'nope', 'report'));
  await expectUsageError([root, '--bogus'], /unknown option '--bogus'/, join(root, 'report'));
});

test('malformed run.json, config.json or metrics header → exit 2 naming the file and the problem', async () => {
  const root = tempDir('gc-report-bad-').dir;
  const dir = writeRun(root, { experiment: 'x', seed: 0, swept: { 'optimizer.lr': 0.1 }, status: 'complete', rows: curve(1, 1, 0.5) });
  const report = join(root, 'report');
  writeFileSync(join(dir, 'run.json'), '{"id": "r", ');
  await expectUsageError([root], /run\.json: not valid JSON/, report);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', experiment: 'x', seed: 'zero', swept: {}, status: 'done' }));
  await expectUsageError([root], /run\.json: not a valid run record[\s\S]*seed:[\s\S]*status:/, report);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', experiment: 'x', seed: 0, swept: {}, status: 'complete' }));
  writeFileSync(join(dir, 'metrics.csv'), 'epoch,loss\n0,1\n');
  await expectUsageError([root], /metrics\.csv: header lacks column\(s\) step, lr/, report);
  rmSync(join(dir, 'metrics.csv'));
  await expectUsageError([root], /metrics\.csv: missing \(run\.json says status 'complete'/, report);
  writeFileSync(join(dir, 'config.json'), '[1]');
  await expectUsageError([root], /config\.json: expected a JSON object/, report);
});

test('an earlier report survives a failing re-run', async () => {
  const root = tempDir('gc-report-keep-').dir;
  writeDemoResults(root);
  assert.equal(await reportCommand([root], capture().io), 0);
  const before = readFileSync(join(root, 'report', 'summary.csv'), 'utf8');
  const bad = join(root, 'lr-sweep', 'zz-broken');
  mkdirSync(bad);
  writeFileSync(join(bad, 'run.json'), 'not json');
  const c = capture();
  assert.equal(await reportCommand([root], c.io), 2);
  assert.match(c.err(), /zz-broken\/run\.json: not valid JSON/);
  assert.equal(readFileSync(join(root, 'report', 'summary.csv'), 'utf8'), before);
});

/** Every file of a folder, name → bytes (a byte-identical check of a report folder). */
function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

test('--metric/--at naming a column no run has: exit 2 naming the columns (and the nearest), the previous report byte-identical', async () => {
  const root = tempDir('gc-report-typo-').dir;
  writeDemoResults(root);
  assert.equal(await reportCommand([root], capture().io), 0);
  const dir = join(root, 'report');
  const before = snapshot(dir);
  for (const [args, pattern] of [
    [['--metric', 'gcc'], /^gc-report: error: --metric gcc: no run has a metrics\.csv column 'gcc' \(did you mean gc\?\); the runs' columns: epoch, step, .*test_acc/],
    [['--at', 'nonexistent=1'], /--at nonexistent=1: no run has a metrics\.csv column 'nonexistent'; the runs' columns: epoch, /],
    [['--at', 'train_ac=0.9'], /did you mean train_acc\?/],
  ] as const) {
    const c = capture();
    assert.equal(await reportCommand([root, ...args], c.io), 2, args.join(' '));
    assert.match(c.err(), pattern);
    assert.equal(c.err().trim().split('\n').length, 1, `one line, no per-run warnings: ${c.err()}`);
    assert.deepEqual(snapshot(dir), before, `${args.join(' ')}: the previous report is byte-identical`);
  }
  assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.')), [], 'no temp folders left');
});

test('a report in which no run has a value never replaces a report that had values (new, empty or valueless folders are fine)', async () => {
  const root = tempDir('gc-report-worse-').dir;
  writeDemoResults(root);
  assert.equal(await reportCommand([root], capture().io), 0);
  const dir = join(root, 'report');
  const before = snapshot(dir);
  assert.ok(JSON.parse(readFileSync(join(dir, '.gc-report.json'), 'utf8')).usable_runs > 0);
  const c = capture();
  // train_acc exists but no run reaches 2: every value "—".
  assert.equal(await reportCommand([root, '--at', 'train_acc=2'], c.io), 2);
  assert.match(c.err(), /--out .*report: no run has a value of GC at first train_acc ≥ 2, and the folder holds a report of \d+ usable run\(s\); left as it is/);
  assert.deepEqual(snapshot(dir), before, 'the previous report is byte-identical');
  // A marker of an earlier version (count unknown) is protected too.
  const marker = JSON.parse(readFileSync(join(dir, '.gc-report.json'), 'utf8'));
  delete marker.usable_runs;
  writeFileSync(join(dir, '.gc-report.json'), JSON.stringify(marker));
  assert.equal(await reportCommand([root, '--at', 'train_acc=2'], capture().io), 2);
  // Elsewhere it is written (its tables say why each run has no value), and may replace itself.
  const out = join(tempDir('gc-report-worse-out-').dir, 'r');
  for (let i = 0; i < 2; i++) {
    const w = capture();
    assert.equal(await reportCommand([root, '--at', 'train_acc=2', '--out', out], w.io), 0, w.err());
    assert.equal(JSON.parse(readFileSync(join(out, '.gc-report.json'), 'utf8')).usable_runs, 0);
  }
});
