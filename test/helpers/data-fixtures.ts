/** Test fixtures written in the exact official formats (IDX, CIFAR binary, tar.gz). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { c as tarCreate } from 'tar';

const made: string[] = [];

/** A fresh temporary folder, removed by `cleanupTempDirs`. */
export async function tempDir(prefix = 'gc-data-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder made by tempDir (register with node:test `after`). */
export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** An IDX buffer: magic 00 00 <dtype> <ndims>, big-endian uint32 dims, big-endian data. */
export function idxBuffer(dtype: 'ubyte' | 'int16' | 'int32' | 'float32' | 'float64', dims: number[], values: number[]): Buffer {
  const code = { ubyte: 0x08, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e }[dtype];
  const width = { ubyte: 1, int16: 2, int32: 4, float32: 4, float64: 8 }[dtype];
  const buf = Buffer.alloc(4 + 4 * dims.length + width * values.length);
  buf[2] = code;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let off = 4 + 4 * dims.length;
  for (const v of values) {
    if (dtype === 'ubyte') buf.writeUInt8(v, off);
    else if (dtype === 'int16') buf.writeInt16BE(v, off);
    else if (dtype === 'int32') buf.writeInt32BE(v, off);
    else if (dtype === 'float32') buf.writeFloatBE(v, off);
    else buf.writeDoubleBE(v, off);
    off += width;
  }
  return buf;
}

/** Pixel byte of record r, channel c, pixel index p (row-major in a 32x32 plane). */
export function cifarPixel(r: number, c: number, p: number): number {
  return (r * 7 + c * 50 + p) % 256;
}

/**
 * CIFAR binary records for records r0..r0+n-1: label bytes (CIFAR-10: [label]; CIFAR-100:
 * [coarse, fine]) then 1024 R, 1024 G, 1024 B bytes.
 */
export function cifarRecords(r0: number, n: number, labels: (r: number) => number[]): Buffer {
  const nl = labels(0).length;
  const rec = nl + 3072;
  const buf = Buffer.alloc(n * rec);
  for (let k = 0; k < n; k++) {
    const r = r0 + k;
    const off = k * rec;
    labels(r).forEach((l, i) => (buf[off + i] = l));
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) buf[off + nl + c * 1024 + p] = cifarPixel(r, c, p);
  }
  return buf;
}

export const cifar10Label = (r: number) => [r % 10];
export const cifar100Labels = (r: number) => [r % 20, (r * 3) % 100];

/** Writes a tiny CIFAR-10 tree (2 records per batch) under `root`/cifar-10-batches-bin. */
export async function writeCifar10Tree(root: string, perBatch = 2): Promise<void> {
  const dir = join(root, 'cifar-10-batches-bin');
  await mkdir(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) await writeFile(join(dir, `data_batch_${b}.bin`), cifarRecords((b - 1) * perBatch, perBatch, cifar10Label));
  await writeFile(join(dir, 'test_batch.bin'), cifarRecords(1000, perBatch, cifar10Label));
  await writeFile(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
}

/** Writes a tiny CIFAR-100 tree under `root`/cifar-100-binary. */
export async function writeCifar100Tree(root: string, nTrain = 6, nTest = 3): Promise<void> {
  const dir = join(root, 'cifar-100-binary');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train.bin'), cifarRecords(0, nTrain, cifar100Labels));
  await writeFile(join(dir, 'test.bin'), cifarRecords(500, nTest, cifar100Labels));
}

/** Packs `entry` (a folder under `cwd`) into a .tar.gz at `file`. */
export async function tarGz(cwd: string, entry: string, file: string): Promise<void> {
  await tarCreate({ gzip: true, file, cwd }, [entry]);
}
