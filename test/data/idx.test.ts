import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors/errors.js';
import { idxToSplit, parseIdx, readIdxFile } from '../../src/data/idx.js';
import { cleanupTempDirs, idxBuffer, tempDir } from '../helpers/data-fixtures.js';

after(cleanupTempDirs);

// 3 images of 2x3: pixel value = 10*n + 3*i + j.
const IMG = Array.from({ length: 3 * 2 * 3 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
const LAB = [2, 0, 1];

test('reads ubyte images and labels, raw and gzipped, into a [0,1] NHWC split', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'img-idx3-ubyte'), idxBuffer('ubyte', [3, 2, 3], IMG));
  await writeFile(join(dir, 'img-idx3-ubyte.gz'), gzipSync(idxBuffer('ubyte', [3, 2, 3], IMG)));
  await writeFile(join(dir, 'lab-idx1-ubyte.gz'), gzipSync(idxBuffer('ubyte', [3], LAB)));
  const raw = await readIdxFile(join(dir, 'img-idx3-ubyte'));
  const gz = await readIdxFile(join(dir, 'img-idx3-ubyte.gz'));
  assert.deepEqual(raw.dims, [3, 2, 3]);
  assert.equal(raw.dtype, 'ubyte');
  assert.deepEqual(Array.from(gz.data), IMG);
  assert.deepEqual(Array.from(raw.data), IMG);
  const labels = await readIdxFile(join(dir, 'lab-idx1-ubyte.gz'));
  const split = idxToSplit(gz, labels, 'img', 'lab');
  assert.equal(split.n, 3);
  assert.deepEqual(split.shape, [2, 3, 1]);
  assert.deepEqual(Array.from(split.y), LAB);
  assert.ok(split.y instanceof Int32Array && split.x instanceof Float32Array);
  // image 1, row 1, col 2 -> 10 + 3 + 2 = 15
  assert.equal(split.x[1 * 6 + 1 * 3 + 2], Math.fround(15 / 255));
});

test('decodes big-endian int16, int32, float32 and float64', () => {
  assert.deepEqual(Array.from(parseIdx(idxBuffer('int16', [3], [-2, 300, 7]), 'f').data), [-2, 300, 7]);
  assert.deepEqual(Array.from(parseIdx(idxBuffer('int32', [2], [-70000, 123456789]), 'f').data), [-70000, 123456789]);
  assert.deepEqual(Array.from(parseIdx(idxBuffer('float32', [2], [1.5, -0.25]), 'f').data), [1.5, -0.25]);
  const f64 = parseIdx(idxBuffer('float64', [1, 2], [Math.PI, -1e-300]), 'f');
  assert.deepEqual(f64.dims, [1, 2]);
  assert.deepEqual(Array.from(f64.data), [Math.PI, -1e-300]);
});

test('truncated file is a DataError naming the file, dims and byte counts', async () => {
  const dir = await tempDir();
  const file = join(dir, 'train-images-idx3-ubyte.gz');
  const full = idxBuffer('ubyte', [60000, 28, 28], []);
  // Header claims 60000x28x28 but only 1000 bytes of data follow.
  await writeFile(file, gzipSync(Buffer.concat([full.subarray(0, 16), Buffer.alloc(1000)])));
  await assert.rejects(readIdxFile(file), (err: Error) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /train-images-idx3-ubyte\.gz/);
    assert.match(err.message, /expected 47040000 bytes of data for dims 60000x28x28, got 1000/);
    return true;
  });
});

test('bad magic, unknown dtype, short header and corrupt gzip are DataErrors', async () => {
  const bad = idxBuffer('ubyte', [2], [1, 2]);
  bad[0] = 0x1f;
  assert.throws(() => parseIdx(bad, 'x.idx'), (e: Error) => e instanceof DataError && /x\.idx: not an IDX file: expected magic/.test(e.message));
  const dt = idxBuffer('ubyte', [2], [1, 2]);
  dt[2] = 0x42;
  assert.throws(() => parseIdx(dt, 'y.idx'), (e: Error) => e instanceof DataError && /unknown IDX dtype byte 0x42/.test(e.message));
  assert.throws(() => parseIdx(idxBuffer('ubyte', [2, 2], [1, 2, 3, 4]).subarray(0, 9), 'z'), /truncated IDX header: expected 12 bytes/);
  assert.throws(() => parseIdx(Buffer.from([0, 0]), 'w'), DataError);
  const dir = await tempDir();
  await writeFile(join(dir, 'c.gz'), Buffer.from('not gzip at all'));
  await assert.rejects(readIdxFile(join(dir, 'c.gz')), (e: Error) => e instanceof DataError && /c\.gz: cannot decompress/.test(e.message));
});

test('idxToSplit rejects mismatched label counts', () => {
  const img = parseIdx(idxBuffer('ubyte', [3, 2, 3], IMG), 'img');
  const lab = parseIdx(idxBuffer('ubyte', [2], [0, 1]), 'lab');
  assert.throws(() => idxToSplit(img, lab, 'img', 'lab'), /lab: expected 3 labels to match img, got 2/);
});
