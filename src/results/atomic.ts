import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { refuseLink, unlinkQuietly, WriteFailure, writeSynced } from './fs-safe.js';

/** Name of the temp file an atomic write of `path` uses (see stale-temps.ts, which cleans dead ones). */
export function atomicTempPath(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.${pid}.tmp`);
}

/**
 * Writes a file atomically: temp file in the same folder, fsync, rename. A reader (or a crash)
 * sees the old content or the new, never a torn file. Neither the target nor the temp file is
 * ever a symbolic link (LinkRefused); a failed write (disk full) removes its temp file and
 * throws WriteFailure naming the path.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array[]): void {
  refuseLink(path);
  const tmp = atomicTempPath(path);
  try {
    writeSynced(tmp, content, 'w', true);
  } catch (err) {
    // Name the file the user knows, not our temp name (which the failed write removed).
    throw err instanceof WriteFailure ? new WriteFailure(path, { code: err.code, message: err.message }) : err;
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkQuietly(tmp);
    throw new WriteFailure(path, err);
  }
}

/** Atomic pretty-printed JSON write. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
