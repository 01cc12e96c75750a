import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportCommand } from '../../src/cli/report.js';
import { gcRun } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

test('gc-run then gc-report: the report reads real run folders (knob, seeds, final GC from metrics.csv)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, tinyConfigYaml(out, 'sweep: { grid: { regularizers.weight_decay: [0, 0.1] }, seeds: [0, 1] }\n'));
    const run = gcRun([file], dir);
    assert.equal(run.status, 0, run.stderr);

    let stdout = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } };
    assert.equal(await reportCommand([out, '--json', '--repro'], io), 0);
    const json = JSON.parse(stdout);
    const text = JSON.stringify(json);
    assert.match(text, /regularizers\.weight_decay/, 'the knob is inferred from the sweep');

    // Cross-check the report's per-value mean against the runs' own metrics.csv.
    const summary = readFileSync(join(out, 'report', 'summary.csv'), 'utf8').trim().split('\n');
    assert.equal(summary.length, 1 + 2, 'header + one row per knob value');
    const header = summary[0].split(',');
    const col = (name: string) => header.indexOf(name);
    const finals = new Map<string, number[]>();
    for (const runDir of readdirSync(join(out, 'tiny')).map((d) => join(out, 'tiny', d))) {
      const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
      const rows = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
      const gcCol = rows[0].split(',').indexOf('gc');
      const last = Number(rows[rows.length - 1].split(',')[gcCol]);
      const key = String(cfg.regularizers.weight_decay);
      finals.set(key, [...(finals.get(key) ?? []), last]);
    }
    for (const line of summary.slice(1)) {
      const cells = line.split(',');
      const values = finals.get(cells[col('knob_value')])!;
      assert.equal(values.length, 2);
      const mean = (values[0] + values[1]) / 2;
      assert.ok(Math.abs(Number(cells[col('final_gc_mean')]) - mean) <= 1e-9 * mean, `mean for ${cells[col('knob_value')]}`);
      assert.equal(Number(cells[col('done')]), 2);
    }
    const runsCsv = readFileSync(join(out, 'report', 'runs.csv'), 'utf8').trim().split('\n');
    assert.equal(runsCsv.length, 1 + 4, 'header + one row per run');
    for (const f of ['report.html', 'report.md', 'repro.md', 'gc-vs-epoch.svg', 'gc-vs-epoch.png']) {
      assert.ok(existsSync(join(out, 'report', f)), `${f} written`);
    }
  } finally {
    cleanup();
  }
});
