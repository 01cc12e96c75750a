/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 * magic = 0x00 0x00 <dtype> <ndims>, then ndims big-endian uint32 sizes, then the data,
 * big-endian, row-major. Files ending in .gz are gunzipped first.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors/errors.js';
import type { Split } from './split.js';

/** IDX element types by their magic byte. */
const DTYPES = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxDtype = (typeof DTYPES)[keyof typeof DTYPES]['name'];

/** A parsed IDX tensor: `dims` and its values in row-major order, as the dtype's native array. */
export interface IdxTensor {
  dtype: IdxDtype;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses an IDX buffer (already decompressed). `file` names the source in error messages.
 * Throws DataError on a bad magic number, an unknown dtype, or a size that does not match dims.
 */
export function parseIdx(buf: Uint8Array, file: string): IdxTensor {
  if (buf.length < 4) throw new DataError(`${file}: not an IDX file: expected a 4-byte magic number, got ${buf.length} bytes`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${file}: not an IDX file: expected magic 00 00 <dtype> <ndims>, got ${magic}`);
  }
  const dt = DTYPES[buf[2] as keyof typeof DTYPES];
  if (!dt) throw new DataError(`${file}: unknown IDX dtype byte 0x${buf[2].toString(16)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const ndims = buf[3];
  const header = 4 + 4 * ndims;
  if (buf.length < header) {
    throw new DataError(`${file}: truncated IDX header: expected ${header} bytes for ${ndims} dims, got ${buf.length}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const need = count * dt.bytes;
  const got = buf.length - header;
  if (got !== need) {
    throw new DataError(
      `${file}: ${got < need ? 'truncated' : 'malformed'} IDX file: expected ${need} bytes of data for dims ` +
        `${dims.join('x')}, got ${got}`,
    );
  }
  return { dtype: dt.name, dims, data: decode(view, header, count, dt.name) };
}

function decode(view: DataView, off: number, count: number, dtype: IdxDtype): IdxTensor['data'] {
  switch (dtype) {
    case 'ubyte':
      return new Uint8Array(view.buffer, view.byteOffset + off, count).slice();
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + off, count).slice();
    case 'int16': {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(off + 2 * i, false);
      return a;
    }
    case 'int32': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(off + 4 * i, false);
      return a;
    }
    case 'float32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(off + 4 * i, false);
      return a;
    }
    case 'float64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(off + 8 * i, false);
      return a;
    }
  }
}

/** Gunzips `buf` when `file` ends in .gz; a corrupt stream becomes a DataError naming the file. */
export function maybeGunzip(buf: Uint8Array, file: string): Uint8Array {
  if (!file.endsWith('.gz')) return buf;
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw new DataError(`${file}: cannot decompress gzip data: ${(err as Error).message}`);
  }
}

/** Reads and parses an IDX file from disk (gunzipping .gz files). */
export async function readIdxFile(file: string): Promise<IdxTensor> {
  return parseIdx(maybeGunzip(await readFile(file), file), file);
}

/**
 * Combines an IDX image tensor (N x H x W, or N x H x W x C; ubyte) and a label tensor (N; ubyte)
 * into a Split with pixels scaled to [0, 1]. Names the files in errors.
 */
export function idxToSplit(images: IdxTensor, labels: IdxTensor, imagesFile: string, labelsFile: string): Split {
  if (images.dtype !== 'ubyte' || (images.dims.length !== 3 && images.dims.length !== 4)) {
    throw new DataError(`${imagesFile}: expected ubyte images with dims N x H x W [x C], got ${images.dtype} ${images.dims.join('x')}`);
  }
  if (labels.dtype !== 'ubyte' || labels.dims.length !== 1) {
    throw new DataError(`${labelsFile}: expected ubyte labels with dims N, got ${labels.dtype} ${labels.dims.join('x')}`);
  }
  const [n, h, w, c = 1] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataError(`${labelsFile}: expected ${n} labels to match ${imagesFile}, got ${labels.dims[0]}`);
  }
  const src = images.data as Uint8Array;
  const x = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) x[i] = src[i] / 255;
  return { x, y: Int32Array.from(labels.data as Uint8Array), n, shape: [h, w, c] };
}
