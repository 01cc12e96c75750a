/**
 * Reader for the official CIFAR *binary* version (https://www.cs.toronto.edu/~kriz/cifar.html).
 * CIFAR-10 record: 1 label byte + 3072 pixel bytes; CIFAR-100 record: 1 coarse label byte +
 * 1 fine label byte + 3072 pixel bytes. Pixels are channel-major (1024 R, then G, then B), each
 * plane row-major 32x32. We convert to NHWC and scale to [0, 1].
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors/errors.js';
import type { Split } from './split.js';

export const CIFAR_SIDE = 32;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const PIXELS = 3 * PLANE;

/** Layout of one CIFAR variant's records. */
export interface CifarFormat {
  /** Label bytes before the pixels: 1 for CIFAR-10, 2 for CIFAR-100 (coarse, fine). */
  labelBytes: 1 | 2;
  /** Which label byte to use (0-based within the label bytes). */
  labelOffset: 0 | 1;
  /** Labels must be < numClasses. */
  numClasses: number;
}

export const CIFAR10_FORMAT: CifarFormat = { labelBytes: 1, labelOffset: 0, numClasses: 10 };
export const CIFAR100_FINE_FORMAT: CifarFormat = { labelBytes: 2, labelOffset: 1, numClasses: 100 };
export const CIFAR100_COARSE_FORMAT: CifarFormat = { labelBytes: 2, labelOffset: 0, numClasses: 20 };

/** Bytes per record in `format`. */
export function cifarRecordBytes(format: CifarFormat): number {
  return format.labelBytes + PIXELS;
}

/**
 * Decodes CIFAR binary batches (concatenated in the given order) into one Split of shape
 * [32, 32, 3], x scaled to [0, 1]. Each part's length must be a whole number of records and
 * every label < numClasses; otherwise DataError naming the file.
 */
export function decodeCifar(parts: { buf: Uint8Array; file: string }[], format: CifarFormat): Split {
  const rec = cifarRecordBytes(format);
  let n = 0;
  for (const { buf, file } of parts) {
    if (buf.length === 0 || buf.length % rec !== 0) {
      throw new DataError(
        `${file}: expected a whole number of ${rec}-byte CIFAR records, got ${buf.length} bytes ` +
          `(${Math.floor(buf.length / rec)} records + ${buf.length % rec} bytes)`,
      );
    }
    n += buf.length / rec;
  }
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  let i = 0;
  for (const { buf, file } of parts) {
    for (let off = 0; off < buf.length; off += rec, i++) {
      const label = buf[off + format.labelOffset];
      if (label >= format.numClasses) {
        throw new DataError(`${file}: record ${off / rec} has label ${label}, expected < ${format.numClasses}`);
      }
      y[i] = label;
      const px = off + format.labelBytes;
      const out = i * PIXELS;
      // CHW -> HWC: pixel p of plane c goes to out + 3p + c.
      for (let c = 0; c < 3; c++) {
        const plane = px + c * PLANE;
        for (let p = 0; p < PLANE; p++) x[out + 3 * p + c] = buf[plane + p] / 255;
      }
    }
  }
  return { x, y, n, shape: [CIFAR_SIDE, CIFAR_SIDE, 3] };
}

/** Reads the given batch files from `dir` and decodes them with `format` (see decodeCifar). */
export async function readCifarFiles(dir: string, files: string[], format: CifarFormat): Promise<Split> {
  const parts = await Promise.all(
    files.map(async (f) => {
      const file = join(dir, f);
      return { buf: await readFile(file), file };
    }),
  );
  return decodeCifar(parts, format);
}

/** Reads a label-name list (one name a line, e.g. batches.meta.txt); blank lines dropped. */
export async function readLabelNames(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}
