/** SHA-256 checks for dataset files: one place that computes hashes and words mismatch errors. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DataError } from '../errors/errors.js';

/** Hex SHA-256 of a buffer. */
export function sha256Hex(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Hex SHA-256 of a file, streamed (for archives too large to hold twice in memory). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Throws DataError naming `file`, the expected and the actual hash unless `actual` is one of
 * `accepted` (the official hash first, then known re-packagings of the same data).
 */
export function checkSha256(file: string, actual: string, accepted: readonly string[], hint = ''): void {
  if (accepted.includes(actual)) return;
  const expected = accepted.length === 1 ? accepted[0] : `one of ${accepted.join(', ')}`;
  throw new DataError(`${file}: checksum mismatch: expected SHA-256 ${expected}, got ${actual}${hint ? `. ${hint}` : ''}`);
}
