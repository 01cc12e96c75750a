import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DataError } from '../../src/errors/errors.js';
import { CIFAR10_FORMAT, readCifarFiles } from '../../src/data/cifar.js';
import { downloadFile, installSources, type ProgressEvent } from '../../src/data/download.js';
import { sha256Hex } from '../../src/data/integrity.js';
import { fetchDataset } from '../../src/data/registry.js';
import { CIFAR10_TRAIN_FILES, CIFAR10_SOURCES, type SourceFile } from '../../src/data/sources.js';
import { cleanupTempDirs, tarGz, tempDir, writeCifar10Tree } from '../helpers/data-fixtures.js';

// Everything here talks to 127.0.0.1 only.
let archive: Buffer;
let server: http.Server;
let base: string;

before(async () => {
  const src = await tempDir();
  await writeCifar10Tree(src, 2);
  await tarGz(src, 'cifar-10-batches-bin', join(src, 'cifar-10-binary.tar.gz'));
  archive = await readFile(join(src, 'cifar-10-binary.tar.gz'));
  server = http.createServer((req, res) => {
    const route = req.url!.split('/')[1];
    if (route === 'ok') {
      res.writeHead(200, { 'content-length': archive.length });
      res.end(archive);
    } else if (route === 'redirect') {
      res.writeHead(302, { location: '/ok/' + req.url!.split('/').pop() });
      res.end();
    } else if (route === 'corrupt') {
      const bad = Buffer.from(archive);
      bad[bad.length >> 1] ^= 0xff;
      res.writeHead(200, { 'content-length': bad.length });
      res.end(bad);
    } else if (route === 'truncated') {
      res.writeHead(200, { 'content-length': archive.length });
      res.write(archive.subarray(0, archive.length >> 1), () => res.socket?.destroy());
    } else {
      res.writeHead(500, 'Internal Server Error');
      res.end('boom');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((r) => server.close(r));
  await cleanupTempDirs();
});

/** The fixture archive described like the real CIFAR-10 source, with its own checksum/sizes. */
function fixtureSource(): SourceFile {
  return {
    ...CIFAR10_SOURCES[0],
    bytes: archive.length,
    sha256: sha256Hex(archive),
    provides: CIFAR10_SOURCES[0].provides.map((p) => ({ path: p.path, bytes: 2 * 3073 })),
  };
}

/** Asserts the data root holds exactly `names` (no temp folders, no partial files). */
async function assertRoot(root: string, names: string[]): Promise<void> {
  assert.deepEqual((await readdir(root)).sort(), [...names].sort());
}

test('success: downloads, verifies, extracts into <root>/cifar10 with the official inner folder', async () => {
  const root = await tempDir();
  const events: ProgressEvent[] = [];
  await installSources([fixtureSource()], join(root, 'cifar10'), { mirror: `${base}/ok/`, onProgress: (p) => events.push(p) });
  await assertRoot(root, ['cifar10']);
  assert.deepEqual(await readdir(join(root, 'cifar10')), ['cifar-10-batches-bin']);
  const split = await readCifarFiles(join(root, 'cifar10'), CIFAR10_TRAIN_FILES, CIFAR10_FORMAT);
  assert.equal(split.n, 10);
  const last = events[events.length - 1];
  assert.deepEqual(last, { file: 'cifar-10-binary.tar.gz', bytes: archive.length, total: archive.length });
  for (let i = 1; i < events.length; i++) assert.ok(events[i].bytes >= events[i - 1].bytes);
});

test('follows redirects and installs next to files already in the dataset folder', async () => {
  const root = await tempDir();
  await mkdir(join(root, 'cifar10'));
  await writeFile(join(root, 'cifar10', 'README.md'), 'mine');
  await installSources([fixtureSource()], join(root, 'cifar10'), { mirror: `${base}/redirect` });
  assert.deepEqual((await readdir(join(root, 'cifar10'))).sort(), ['README.md', 'cifar-10-batches-bin']);
  await assertRoot(root, ['cifar10']);
});

test('a hand-placed archive is verified and extracted without any network', async () => {
  const root = await tempDir();
  await mkdir(join(root, 'cifar10'));
  await writeFile(join(root, 'cifar10', 'cifar-10-binary.tar.gz'), archive);
  await installSources([fixtureSource()], join(root, 'cifar10'), { mirror: 'http://127.0.0.1:1/' });
  assert.equal((await readCifarFiles(join(root, 'cifar10'), CIFAR10_TRAIN_FILES, CIFAR10_FORMAT)).n, 10);
});

for (const [route, pattern] of [
  ['corrupt', /checksum mismatch: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}/],
  ['truncated', new RegExp(`truncated: received \\d+ of \\d+ bytes`)],
  ['fail', /HTTP 500 Internal Server Error/],
] as const) {
  test(`${route} download: DataError and nothing left in the data root`, async () => {
    const root = await tempDir();
    await assert.rejects(installSources([fixtureSource()], join(root, 'cifar10'), { mirror: `${base}/${route}` }), (e: Error) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
    await assertRoot(root, []);
  });
}

test('fetchDataset checks the real recorded checksum (fixture archive is rejected) and leaves no trace', async () => {
  const root = await tempDir();
  await assert.rejects(fetchDataset('cifar10', { dataDir: root, mirror: `${base}/ok` }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.ok(e.message.includes(CIFAR10_SOURCES[0].sha256));
    assert.ok(e.message.includes(sha256Hex(archive)));
    return true;
  });
  await assertRoot(root, []);
});

test('offline (connection refused): the error names the folder, files and URLs to fetch by hand', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const root = await tempDir();
  await assert.rejects(fetchDataset('mnist', { dataDir: root, mirror: `http://127.0.0.1:${port}/` }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz \(ECONNREFUSED/);
    assert.ok(e.message.includes(`${join(root, 'mnist')}/`));
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      assert.ok(e.message.includes(f), f);
      assert.ok(e.message.includes('https://ossci-datasets.s3.amazonaws.com/mnist/' + f));
    }
    return true;
  });
  await assertRoot(root, []);
});

test('the GC_DATA_MIRROR env variable redirects downloads', async () => {
  const root = await tempDir();
  const saved = process.env.GC_DATA_MIRROR;
  process.env.GC_DATA_MIRROR = `${base}/fail`;
  try {
    await assert.rejects(fetchDataset('cifar100', { dataDir: root }), /HTTP 500.*127\.0\.0\.1.*cifar-100-binary\.tar\.gz|127\.0\.0\.1.*HTTP 500/);
  } finally {
    if (saved === undefined) delete process.env.GC_DATA_MIRROR;
    else process.env.GC_DATA_MIRROR = saved;
  }
  await assertRoot(root, []);
});

test('downloadFile refuses to overwrite an existing file', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'x'), 'keep');
  await assert.rejects(downloadFile(`${base}/ok/x`, join(dir, 'x')), DataError);
  assert.equal(await readFile(join(dir, 'x'), 'utf8'), 'keep');
  await rm(join(dir, 'x'));
});

test('an existing complete install is accepted; an incomplete one is never overwritten', async () => {
  const root = await tempDir();
  const dir = join(root, 'cifar10');
  await installSources([fixtureSource()], dir, { mirror: `${base}/ok` });
  // A second, concurrent-style install finds the folder complete and succeeds.
  await installSources([fixtureSource()], dir, { mirror: `${base}/ok` });
  await assertRoot(root, ['cifar10']);
  // Remove one batch: the folder is now incomplete and belongs to the user.
  await rm(join(dir, 'cifar-10-batches-bin', 'data_batch_3.bin'));
  await assert.rejects(installSources([fixtureSource()], dir, { mirror: `${base}/ok` }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /cifar-10-batches-bin already exists but is incomplete \(.*data_batch_3\.bin/);
    return true;
  });
  await assertRoot(root, ['cifar10']);
  assert.equal((await readdir(join(dir, 'cifar-10-batches-bin'))).length, 6);
});
