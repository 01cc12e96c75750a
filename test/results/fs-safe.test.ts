import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/results/atomic.js';
import { loadCheckpoint, writeCheckpoint } from '../../src/results/checkpoint.js';
import { LinkRefused, makeFolder, makeUserFolder } from '../../src/results/fs-safe.js';
import { MetricsCsv } from '../../src/results/metrics-csv.js';
import { saveModel } from '../../src/results/model-io.js';
import { UsageError } from '../../src/errors/errors.js';
import { tempDir } from '../helpers/tmp.js';

test('makeFolder creates missing levels one at a time and never loops: /proc/x and /sys/x fail at once', () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.deepEqual(makeFolder(join(dir, 'a', 'b')), [join(dir, 'a'), join(dir, 'a', 'b')]);
    assert.deepEqual(makeFolder(join(dir, 'a', 'b')), []);
    writeFileSync(join(dir, 'f'), 'x');
    assert.throws(() => makeFolder(join(dir, 'f', 'sub')), /a file is in the way \(ENOTDIR\) creating the folder .*\/f$/);
    for (const p of ['/proc/x/y', '/sys/x']) {
      const t0 = Date.now();
      assert.throws(() => makeUserFolder(p, '--out ' + p), (e: unknown) => e instanceof UsageError && /cannot create the folder \/(proc|sys)\/x \(E[A-Z]+\)$/.test(e.message));
      assert.ok(Date.now() - t0 < 1000);
    }
  } finally {
    cleanup();
  }
});

test('metrics.csv, atomic writes, checkpoints and saved models never write through a symbolic link', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, 'precious');
    const run = join(dir, 'run');
    mkdirSync(run);
    symlinkSync(outside, join(run, 'metrics.csv'));
    const csv = new MetricsCsv(join(run, 'metrics.csv'), ['epoch']);
    assert.throws(() => csv.create(), LinkRefused);
    assert.throws(() => csv.append({ epoch: 1 }), LinkRefused);
    symlinkSync(outside, join(run, 'run.json'));
    assert.throws(() => writeFileAtomic(join(run, 'run.json'), '{}'), LinkRefused);
    // A link planted under our own temp name is refused too (O_NOFOLLOW), not written through.
    symlinkSync(outside, join(run, `.config.json.${process.pid}.tmp`));
    assert.throws(() => writeFileAtomic(join(run, 'config.json'), '{}'), LinkRefused);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(run, 'checkpoint'));
    const state = { step: 0, epoch: 0, rngs: {}, groups: { w: [{ name: 'w', shape: [1], dtype: 'float32' as const, data: new Float32Array([1]) }] } };
    assert.throws(() => writeCheckpoint(run, { id: 'r', epoch: 0, seconds: 0 }, state), LinkRefused);
    symlinkSync(elsewhere, join(run, 'model'));
    const model = { save: (h: { save(a: object): Promise<unknown> }) => h.save({ modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(4) }) };
    await assert.rejects(saveModel(model as never, join(run, 'model')), LinkRefused);
    assert.equal(readFileSync(outside, 'utf8'), 'precious');
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    cleanup();
  }
});

test('checkpoints carry a SHA-256 of their weights: corrupted bytes of the right size are refused with a reason', () => {
  const { dir, cleanup } = tempDir();
  try {
    const data = new Float32Array([1, 2, 3, 4]);
    const state = { step: 3, epoch: 1, rngs: {}, groups: { w: [{ name: 'w', shape: [4], dtype: 'float32' as const, data }] } };
    writeCheckpoint(dir, { id: 'r', epoch: 1, seconds: 0 }, state);
    const ok = loadCheckpoint(dir, 'r');
    assert.equal(ok.problem, null);
    assert.deepEqual(Array.from(ok.checkpoint!.state.groups.w[0].data), [1, 2, 3, 4]);
    const meta = JSON.parse(readFileSync(join(dir, 'checkpoint', 'state.json'), 'utf8'));
    assert.match(meta.weights_sha256, /^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'checkpoint', 'weights-1.bin'), new Uint8Array(new Float32Array([1, 2, NaN, 4]).buffer));
    const bad = loadCheckpoint(dir, 'r');
    assert.equal(bad.checkpoint, null);
    assert.match(bad.problem!, /weights-1\.bin fails its SHA-256 check/);
    assert.ok(existsSync(join(dir, 'checkpoint', 'weights-1.bin')), 'nothing deleted');
  } finally {
    cleanup();
  }
});
