import { crc32c } from '@aws-crypto/crc32c';

/**
 * TFRecord framing, the container of TensorBoard event files: per record a uint64 length, the
 * masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data (all little-endian).
 */

/** TensorFlow's CRC mask (rotate right by 15, add a constant): CRCs of data holding CRCs stay robust. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One record: header (length + its CRC), data, data CRC. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/**
 * The records of a file's bytes with their end offsets, stopping at the first torn or corrupt
 * record (a run killed mid-write leaves at most one).
 */
export function readRecords(buf: Buffer): { data: Buffer; end: number }[] {
  const out: { data: Buffer; end: number }[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf.subarray(at, at + 8))) break;
    const len = Number(buf.readBigUInt64LE(at));
    const end = at + 12 + len + 4;
    if (end > buf.length) break;
    const data = buf.subarray(at + 12, at + 12 + len);
    if (buf.readUInt32LE(at + 12 + len) !== maskedCrc32c(data)) break;
    out.push({ data, end });
    at = end;
  }
  return out;
}
