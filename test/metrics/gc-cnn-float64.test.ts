/**
 * The logged GC of a max-pool CNN (gc-run's own run: metrics.csv) against an independent float64
 * computation with the same tie convention (test/helpers/cnn-float64.ts), on real Fashion-MNIST
 * examples, whose constant background makes many pooling windows tie exactly (issue #21).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfigSchema } from '../../src/config/schema.js';
import { loadDataset } from '../../src/data/registry.js';
import { prepareRunData } from '../../src/runner/data-prep.js';
import { gcExamplesOf } from '../../src/train/gc-examples.js';
import { csvRows, gcRun, runDirs } from '../helpers/cli.js';
import { cnnJacobianSqNorm, readWeights } from '../helpers/cnn-float64.js';
import { tempDir } from '../helpers/tmp.js';

const RAW = {
  experiment: 'tiny', backend: 'wasm', seed: 3,
  dataset: { name: 'fashion-mnist', train_size: 300, test_size: 100 },
  // The study's CNN (docs/STUDY.md): 3x3 conv 8 → pool → 3x3 conv 16 → pool → dense logits.
  model: { arch: 'cnn', channels: [8, 16] },
  optimizer: { lr: 0.05 },
  train: { batch_size: 32, epochs: 2 },
  gc: { examples: 48, batch_size: 16 },
};

test('logged GC of a trained max-pool CNN (wasm, stacked) equals a float64 oracle with first-maximum ties to 1e-5', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, JSON.stringify({ ...RAW, output_dir: out }));
    const r = gcRun([file], dir);
    assert.equal(r.status, 0, r.stderr);
    const [run] = runDirs(out);
    const rows = csvRows(run);
    const logged = Number(rows[rows.length - 1][7]);
    const cfg = RunConfigSchema.parse({ ...RAW, output_dir: out });
    const data = prepareRunData(cfg, await loadDataset('fashion-mnist'));
    const ex = gcExamplesOf(cfg, data.train);
    const layers = readWeights(join(run, 'model'));
    const d = ex.shape[0] * ex.shape[1] * ex.shape[2];
    let sum = 0, ties = 0;
    for (let i = 0; i < ex.n; i++) {
      const one = cnnJacobianSqNorm(layers, Float64Array.from(ex.x.subarray(i * d, (i + 1) * d)), ex.shape);
      sum += one.sq;
      ties += one.ties;
    }
    const oracle = sum / ex.n;
    assert.ok(ties > 100 * ex.n, `the examples have tied pooling windows (${ties} over ${ex.n} examples)`);
    const rel = Math.abs(logged - oracle) / oracle;
    assert.ok(rel <= 1e-5, `logged GC ${logged}, float64 oracle ${oracle}: relative difference ${rel.toExponential(2)}`);
  } finally {
    cleanup();
  }
});
