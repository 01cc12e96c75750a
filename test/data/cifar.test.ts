import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../src/errors/errors.js';
import {
  CIFAR100_COARSE_FORMAT,
  CIFAR100_FINE_FORMAT,
  CIFAR10_FORMAT,
  decodeCifar,
  readCifarFiles,
  readLabelNames,
} from '../../src/data/cifar.js';
import { loadDataset } from '../../src/data/registry.js';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES } from '../../src/data/sources.js';
import { cifar100Labels, cifarPixel, cifarRecords, cleanupTempDirs, tempDir, writeCifar100Tree, writeCifar10Tree } from '../helpers/data-fixtures.js';

after(cleanupTempDirs);

/** Checks every value of example k against the fixture's pixel rule for record r (CHW -> HWC). */
function assertPixels(x: Float32Array, k: number, r: number): void {
  for (let i = 0; i < 32; i++) {
    for (let j = 0; j < 32; j++) {
      for (let c = 0; c < 3; c++) {
        const got = x[k * 3072 + (i * 32 + j) * 3 + c];
        const want = Math.fround(cifarPixel(r, c, i * 32 + j) / 255);
        if (got !== want) assert.fail(`example ${k} (${i},${j},${c}): got ${got}, want ${want}`);
      }
    }
  }
}

test('CIFAR-10 batches in the official layout decode to NHWC [0,1] with labels', async () => {
  const root = await tempDir();
  await writeCifar10Tree(root, 2);
  const train = await readCifarFiles(root, CIFAR10_TRAIN_FILES, CIFAR10_FORMAT);
  assert.equal(train.n, 10);
  assert.deepEqual(train.shape, [32, 32, 3]);
  assert.deepEqual(Array.from(train.y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (let k = 0; k < 10; k++) assertPixels(train.x, k, k);
  const test = await readCifarFiles(root, CIFAR10_TEST_FILES, CIFAR10_FORMAT);
  assert.equal(test.n, 2);
  assertPixels(test.x, 1, 1001);
  assert.deepEqual(await readLabelNames(join(root, 'cifar-10-batches-bin', 'batches.meta.txt')), [
    'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
  ]);
});

test('CIFAR-100 uses the fine label byte by default and the coarse one on request', async () => {
  const root = await tempDir();
  await writeCifar100Tree(root, 6, 3);
  const fine = await readCifarFiles(root, ['cifar-100-binary/train.bin'], CIFAR100_FINE_FORMAT);
  const coarse = await readCifarFiles(root, ['cifar-100-binary/train.bin'], CIFAR100_COARSE_FORMAT);
  assert.deepEqual(Array.from(fine.y), [0, 1, 2, 3, 4, 5].map((r) => cifar100Labels(r)[1]));
  assert.deepEqual(Array.from(coarse.y), [0, 1, 2, 3, 4, 5].map((r) => cifar100Labels(r)[0]));
  for (let k = 0; k < 6; k++) assertPixels(fine.x, k, k);
  assert.deepEqual(fine.x, coarse.x);
});

test('partial records and out-of-range labels are DataErrors naming the file', () => {
  const rec = cifarRecords(0, 2, (r) => [r]);
  assert.throws(
    () => decodeCifar([{ buf: rec.subarray(0, 3073 + 100), file: 'data_batch_1.bin' }], CIFAR10_FORMAT),
    (e: Error) => e instanceof DataError && /data_batch_1\.bin: expected a whole number of 3073-byte CIFAR records, got 3173 bytes/.test(e.message),
  );
  const badLabel = cifarRecords(0, 1, () => [10]);
  assert.throws(() => decodeCifar([{ buf: badLabel, file: 'b.bin' }], CIFAR10_FORMAT), /b\.bin: record 0 has label 10, expected < 10/);
  // A CIFAR-100 file read as CIFAR-10 is misaligned: caught by the size check.
  const c100 = cifarRecords(0, 3, cifar100Labels);
  assert.throws(() => decodeCifar([{ buf: c100, file: 't.bin' }], CIFAR10_FORMAT), /t\.bin: expected a whole number/);
});

test('loadDataset checks the exact size of each official CIFAR batch', async () => {
  const root = await tempDir();
  await mkdir(join(root, 'cifar10'));
  await writeCifar10Tree(join(root, 'cifar10'), 2);
  await assert.rejects(loadDataset('cifar10', { dataDir: root, download: false }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /data_batch_\d\.bin: expected 30730000 bytes, got 6146/);
    return true;
  });
  // Missing entirely with downloads off: says which folder and files to provide.
  await assert.rejects(loadDataset('cifar100', { dataDir: root, download: false }), (e: Error) => {
    assert.match(e.message, new RegExp(`${join(root, 'cifar100')}/`));
    assert.match(e.message, /cifar-100-binary\.tar\.gz/);
    assert.match(e.message, /cifar-100-binary\/train\.bin/);
    return true;
  });
});
