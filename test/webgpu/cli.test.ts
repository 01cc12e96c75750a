/**
 * The webgpu tier, whole runs: the CLI on --backend webgpu (Dawn on Mesa llvmpipe in CI) writes
 * the same metrics.csv columns as on wasm with values that agree, and nothing in the run path
 * reads tensor data synchronously (dataSync/arraySync throw on GPU-resident tensors).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '#tf';
import { gcRun as gcRunInProcess } from '../../src/cli/gc-run.js';
import { gcRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { loadWebgpu, webgpuRequirement } from '../helpers/webgpu.js';

const req = await webgpuRequirement();
before(() => assert.equal(req.missing, null, req.missing ?? ''));

/** Everything a run does: a conv net, label noise, augmentation, GC every epoch, checkpoints, snapshots, margins. */
function config(out: string, extra = ''): string {
  return `experiment: tiny
output_dir: ${JSON.stringify(out)}
dataset: { name: fashion-mnist, train_size: 48, test_size: 24, label_noise: 0.1, augment: true }
model: { arch: cnn, channels: [4] }
optimizer: { lr: 0.05, momentum: 0.9 }
train: { batch_size: 16, epochs: 2, save_every: 1 }
gc: { examples: 8, batch_size: 4, every: 1 }
regularizers: { weight_decay: 0.001, gc: 0.001 }
${extra}`;
}

function readCsv(dir: string): { header: string[]; rows: number[][] } {
  const [run] = readdirSync(join(dir, 'tiny'));
  const lines = readFileSync(join(dir, 'tiny', run, 'metrics.csv'), 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',').map((c) => (c === '' ? NaN : Number(c)))) };
}

test('gc-run --backend webgpu: 2 epochs write the columns wasm writes, values within tolerance', { skip: req.skip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config('results'));
    const g = gcRun([file, '--backend', 'webgpu', '--out', 'gpu', '--progress', 'none'], dir);
    assert.equal(g.status, 0, g.stderr);
    assert.match(g.stderr, /backend: webgpu on .*via Dawn/);
    assert.match(g.stderr, /CPU fallback adapter/);
    // Dawn's native code prints 'Warning: …' lines (llvmpipe: two limit clamps) that gc-run cannot
    // prefix: the backend line names exactly that many, and no other line goes unprefixed.
    const lines = g.stderr.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
    const bare = lines.filter((l) => !/^(gc-run: |\[gc-run\] )/.test(l));
    assert.ok(bare.every((l) => l.startsWith('Warning: ')), `unprefixed lines that are not Dawn's: ${bare.join(' | ')}`);
    if (bare.length) assert.match(g.stderr, new RegExp(`backend: webgpu .*; Dawn printed ${bare.length} unprefixed 'Warning:' line\\(s\\) itself`));
    const w = gcRun([file, '--backend', 'wasm', '--out', 'wasm', '--progress', 'none'], dir);
    assert.equal(w.status, 0, w.stderr);
    const [a, b] = [readCsv(join(dir, 'gpu')), readCsv(join(dir, 'wasm'))];
    assert.deepEqual(a.header, b.header);
    assert.equal(a.rows.length, 3);
    assert.equal(b.rows.length, 3);
    // Two epochs of momentum SGD from identical weights: float32 drift stays well under 1%.
    for (const col of ['train_loss', 'test_loss', 'test_acc', 'gc', 'weight_norm_sq']) {
      const i = a.header.indexOf(col);
      for (let r = 0; r < 3; r++) {
        const [x, y] = [a.rows[r][i], b.rows[r][i]];
        if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${col} row ${r}`);
        else assert.ok(Math.abs(x - y) <= 1e-2 * (1 + Math.abs(y)), `${col} epoch ${r}: webgpu ${x} vs wasm ${y}`);
      }
    }
  } finally {
    cleanup();
  }
});

test('webgpu run path: no synchronous read of tensor data (readSync is never reached)', { skip: req.skip }, async () => {
  const info = await loadWebgpu();
  assert.notEqual(typeof info, 'string');
  const backend = tf.findBackend('webgpu') as unknown as { readSync: (id: object) => unknown };
  const original = backend.readSync;
  const calls: string[] = [];
  backend.readSync = function (this: unknown, id: object) {
    calls.push(new Error('readSync').stack!.split('\n').slice(2, 6).join(' | '));
    return original.call(this, id);
  };
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config(join(dir, 'out'), 'metrics: { neural_collapse: true, nc_examples: 20 }\n'));
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((err += s), true) } };
    const code = await gcRunInProcess([file, '--backend', 'webgpu', '--progress', 'lines'], io);
    assert.equal(code, 0, err);
    assert.deepEqual(calls, [], `synchronous reads on webgpu:\n${calls.join('\n')}`);
  } finally {
    backend.readSync = original;
    cleanup();
  }
});

test('gc-run --backend webgpu --jobs 2: each worker creates its own Dawn device; results match --jobs 1', { skip: req.skip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'j.yaml');
    writeFileSync(file, `experiment: tiny
output_dir: out
dataset: { name: fashion-mnist, train_size: 48, test_size: 24 }
model: { arch: mlp, widths: [16] }
optimizer: { lr: 0.1 }
train: { batch_size: 16, epochs: 2 }
gc: { examples: 8, batch_size: 4 }
sweep: { grid: { optimizer.lr: [0.05, 0.2] }, seeds: [0] }
`);
    const two = gcRun([file, '--backend', 'webgpu', '--jobs', '2', '--out', 'two', '--progress', 'none'], dir);
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stderr, /backend: webgpu on .* \(in each worker\)/);
    const one = gcRun([file, '--backend', 'webgpu', '--out', 'one', '--progress', 'none'], dir);
    assert.equal(one.status, 0, one.stderr);
    const runs = readdirSync(join(dir, 'one', 'tiny')).sort();
    assert.equal(runs.length, 2);
    for (const run of runs) {
      const csv = (o: string) => readFileSync(join(dir, o, 'tiny', run, 'metrics.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 8).join(','));
      assert.deepEqual(csv('two'), csv('one'), run);
    }
  } finally {
    cleanup();
  }
});
