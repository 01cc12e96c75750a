import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Text, or bytes (any typed array: its bytes as laid out in memory). */
export type Chunk = string | ArrayBufferView;

/**
 * The one fsync writer: writes `content` (chunks in order) to `path`, created/truncated
 * (`w`) or appended to (`a`), and fsyncs before closing, so it is on disk when this returns.
 */
export function writeSynced(path: string, content: Chunk | readonly Chunk[], flags: 'w' | 'a' = 'w'): void {
  const chunks: readonly Chunk[] = typeof content === 'string' || ArrayBuffer.isView(content) ? [content] : content;
  const fd = openSync(path, flags);
  try {
    for (const c of chunks) {
      if (typeof c === 'string') writeSync(fd, c);
      else writeSync(fd, new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file atomically: temp file in the same folder, fsync, rename. A reader (or a crash)
 * sees the old content or the new, never a torn file.
 */
export function writeFileAtomic(path: string, content: Chunk | readonly Chunk[]): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeSynced(tmp, content);
  renameSync(tmp, path);
}

/** Atomic pretty-printed JSON write. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
