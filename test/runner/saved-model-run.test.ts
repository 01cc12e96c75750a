import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRun, record, runDirs } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

test('a complete run keeps model/ and, with train.save_every, snapshots/epoch-NNNN; --restart drops stale ones', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out).replace('epochs: 2 }', 'epochs: 3, save_every: 2 }'));
    const r = gcRun([file, '--progress', 'none'], dir);
    assert.equal(r.status, 0, r.stderr);
    const [run] = runDirs(out);
    assert.equal(record(run).status, 'complete');
    assert.deepEqual(readdirSync(join(run, 'model')).sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(readdirSync(join(run, 'snapshots')).sort(), ['epoch-0000', 'epoch-0002']);
    assert.ok(!readdirSync(run).some((f) => f.startsWith('.')), `no temp folders left: ${readdirSync(run)}`);
    assert.ok(!existsSync(join(run, 'checkpoint')));
    // A stale snapshot (from an earlier, longer run of this id) must not survive a restart.
    cpSync(join(run, 'snapshots', 'epoch-0002'), join(run, 'snapshots', 'epoch-0099'), { recursive: true });
    const again = gcRun([file, '--progress', 'none', '--restart'], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readdirSync(join(run, 'snapshots')).sort(), ['epoch-0000', 'epoch-0002']);
    assert.ok(existsSync(join(run, 'model', 'model.json')));
  } finally {
    cleanup();
  }
});
