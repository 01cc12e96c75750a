import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dataCommand, type Io } from '../../src/cli/data.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { DataError, UsageError } from '../../src/errors/errors.js';
import { packageRoot } from '../../src/data/paths.js';
import { cleanupTempDirs, tempDir } from '../helpers/data-fixtures.js';

after(cleanupTempDirs);

const SHIPPED_ROOT = join(packageRoot(), 'datasets');

function capture(): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s), isTTY: false },
  };
  return io;
}

test('verify loads the shipped Fashion-MNIST and prints a summary', async () => {
  const io = capture();
  assert.equal(await dataCommand(['verify', 'fashion-mnist', '--data-dir', SHIPPED_ROOT], io), 0);
  assert.match(io.out, /fashion-mnist: ok, train 60000, test 10000, 10 classes, shape 28x28x1/);
});

test('fetch of an installed dataset downloads nothing', async () => {
  const io = capture();
  assert.equal(await dataCommand(['fetch', 'fashion-mnist', '--data-dir', SHIPPED_ROOT], io), 0);
  assert.match(io.out, /already installed/);
});

test('fetch prints plain progress lines off a TTY and fails with a DataError on a bad download', async () => {
  const body = Buffer.alloc(300_000, 7);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    // Several chunks so the progress reporter sees intermediate sizes.
    for (let i = 0; i < 10; i++) res.write(body.subarray(i * 30_000, (i + 1) * 30_000));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const root = await tempDir();
  const io = capture();
  try {
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await assert.rejects(dataCommand(['fetch', 'cifar10', '--data-dir', root, '--mirror', mirror], io), (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.equal(exitCodeFor(e), 2);
      assert.match(e.message, /checksum mismatch/);
      return true;
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.match(io.err, /gc-data: cifar-10-binary\.tar\.gz: 0\.\d of 0\.3 MiB \(\d+%\)\n/);
  assert.match(io.err, /\(100%\)\n$/);
  assert.deepEqual(await readdir(root), []);
});

test('usage errors: no arguments, unknown dataset, unknown option', async () => {
  const io = capture();
  assert.equal(await dataCommand([], io), 2);
  assert.match(io.err, /Usage: gc-data/);
  await assert.rejects(dataCommand(['fetch', 'imagenet'], capture()), (e: Error) => e instanceof UsageError && /unknown dataset 'imagenet'/.test(e.message));
  await assert.rejects(dataCommand(['fetch', 'mnist', '--bogus'], capture()), (e: Error) => e instanceof UsageError && /unknown option '--bogus'/.test(e.message));
});
