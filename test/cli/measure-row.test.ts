import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCommand } from '../../src/cli/measure.js';
import { captureIo, gcRun, record, runDirs } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** gc-measure in this process (the command function bin/gc-measure.js calls), its --json result. */
async function gcMeasure(args: string[]) {
  const c = captureIo();
  assert.equal(await measureCommand([...args, '--json'], c.io), 0, c.err());
  return JSON.parse(c.out());
}

/** The last metrics.csv row as column → cell text (the digits as logged). */
function lastRow(dir: string): Record<string, string> {
  const [head, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const last = lines[lines.length - 1];
  return Object.fromEntries(head.map((h, i) => [h, last[i]]));
}

// Columns a saved model cannot determine: the loop's counters and clock, the config's lr, means
// over the epoch's steps, and the spectral norms (warm-started power iteration whose vectors are
// not part of a saved model). Every other logged column must be re-measured to the digit.
const NOT_OF_MODEL = new Set(['epoch', 'step', 'lr', 'train_loss', 'train_acc', 'seconds', 'gc_seconds',
  'l2_penalty', 'spectral_penalty', 'flatness_penalty', 'gc_penalty', 'spectral_max', 'spectral_sum']);

test('gc-measure on a run folder, no flags, reproduces every logged column of the last epoch a model determines (cross-entropy, mse, neural collapse): the run\'s loss, the run\'s neural-collapse examples', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'c.yaml'), `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: wasm
dataset: { name: fashion-mnist, train_size: 100, test_size: 50 }
model: { arch: mlp, widths: [12], activation: tanh }
optimizer: { lr: 0.1 }
train: { batch_size: 20, epochs: 2 }
gc: { examples: 24, batch_size: 10 }
metrics: { nc_examples: 40 }
sweep: { grid: { train.loss: [cross_entropy, mse], metrics.neural_collapse: [false, true] } }
`);
    const r = gcRun([join(dir, 'c.yaml'), '--progress', 'none'], dir);
    assert.equal(r.status, 0, r.stderr);
    const runs = runDirs(out);
    assert.equal(runs.length, 4);
    // Neural-collapse runs first: their logged columns are the sharper check.
    for (const run of [...runs].sort((a, b) => Number(b.includes('collapse=true')) - Number(a.includes('collapse=true')))) {
      assert.equal(record(run).status, 'complete');
      const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
      const what = `${cfg.train.loss}${cfg.metrics.neural_collapse ? ' + neural collapse' : ''}`;
      const logged = lastRow(run);
      const res = await gcMeasure([run]);
      const expected = Object.keys(logged).filter((c) => !NOT_OF_MODEL.has(c));
      assert.deepEqual(Object.keys(res.columns ?? {}).sort(), expected.sort(), `${what}: every column a model determines is re-measured`);
      for (const c of expected) assert.equal(String(res.columns[c].value), logged[c], `${what}: ${c} to the digit`);
      assert.equal(String(res.gc.value), logged.gc);

      // The run's own loss: on the whole test split, gc-measure's loss is the logged test_loss (mse too).
      const t = await gcMeasure([run, '--split', 'test', '--examples', 'all']);
      assert.equal(String(t.loss), logged.test_loss, `${what}: test loss by train.loss`);
      assert.equal(String(t.accuracy), logged.test_acc);
      assert.equal(t.columns, null, 'a selection flag measures other data: no row');

      // --neural-collapse: on the run's class-balanced metrics.nc_examples, as training logged it.
      const nc = (await gcMeasure([run, '--neural-collapse'])).neural_collapse;
      if (cfg.metrics.neural_collapse) {
        assert.equal(String(nc.cdnv), logged.cdnv, `${what}: cdnv to the digit`);
        assert.equal(String(nc.embedding_gc), logged.embedding_gc, `${what}: embedding_gc to the digit`);
      }
      assert.match(nc.examples, /40 class-balanced neural-collapse examples/);
    }
  } finally {
    cleanup();
  }
});
