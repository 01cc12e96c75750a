import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRunAsync, record, runDirs, waitFor } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

const status = (d: string) => (existsSync(join(d, 'run.json')) ? record(d) : null);

test('--jobs: a worker killed by a signal marks its run failed at once in the parent (signal and last finished epoch named)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(out).replace('epochs: 2', 'epochs: 5000'));
    const bg = gcRunAsync([file, '--jobs', '2', '--progress', 'none', '--set', 'sweep.seeds=[0,1]'], dir);
    let exited = false;
    void bg.done.then(() => (exited = true));
    const watchdog = setTimeout(() => bg.child.kill('SIGKILL'), 150_000);
    try {
      await waitFor(() => runDirs(out).length === 2 && runDirs(out).every((d) => (status(d)?.epochs_done ?? 0) >= 2), 90_000);
      const victim = runDirs(out)[0];
      const pid = status(victim)!.attempts.at(-1).pid as number;
      assert.notEqual(pid, bg.child.pid, 'run.json names the worker, not the parent');
      process.kill(pid, 'SIGKILL');
      // At once, while the parent goes on with the other run: not `running` until some later invocation.
      await waitFor(() => status(victim)?.status === 'failed', 10_000);
      assert.equal(exited, false, 'the parent is still training the other run');
      const rec = status(victim)!;
      assert.match(rec.error.message, /worker process killed by SIGKILL during epoch (\d+) \(last finished epoch (\d+)\)/);
      const [, during, last] = /during epoch (\d+) \(last finished epoch (\d+)\)/.exec(rec.error.message)!.map(Number);
      assert.equal(during, last + 1);
      assert.equal(rec.error.epoch, during);
      assert.ok(last >= 2 && last <= rec.epochs_done + 1, `last finished epoch ${last}, epochs_done ${rec.epochs_done}`);
      assert.ok(rec.ended_at);
      bg.child.kill('SIGTERM');
      const done = await bg.done;
      assert.equal(done.code, 130, bg.stderr());
      assert.match(bg.stderr(), /failed: .* at epoch \d+: worker process killed by SIGKILL during epoch/);
      assert.doesNotMatch(bg.stderr(), /at epoch -1/);
      assert.equal(status(victim)!.status, 'failed', 'still failed (resumable) after the sweep stops');
    } finally {
      clearTimeout(watchdog);
      if (!exited) bg.child.kill('SIGKILL');
    }
  } finally {
    cleanup();
  }
});
