/**
 * The one way gc-run creates folders and writes files: folders one level at a time (never
 * Node's recursive mkdir, which loops forever under /proc), files never through a symbolic
 * link (O_NOFOLLOW, lstat), and file-system failures turned into one line naming the path
 * and what went wrong (disk full, permission denied, name too long), never a stack trace.
 */
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GcRunError, RunFailure, UsageError } from '../errors/errors.js';

/** What an errno means to a user. */
const REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'name too long for the file system',
  ENOTDIR: 'a file is in the way',
  EEXIST: 'already exists',
  ENOENT: 'no such file or folder',
  ELOOP: 'a symbolic link is in the way',
  EIO: 'input/output error',
};

/** "disk full (ENOSPC)" for an errno error, else its message. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code) return REASONS[code] ? `${REASONS[code]} (${code})` : code;
  return (err as Error)?.message ?? String(err);
}

/** The errno code of a failure (ENOSPC…), else its message. */
export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}

/** A write that failed (disk full, permissions…): names the path; ends a run as failed, not the sweep. */
export class WriteFailure extends RunFailure {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
    verb = 'writing',
  ) {
    super(`${fsReason(cause)} ${verb} ${path}`);
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/** gc-run met a symbolic link where it writes, inside a run folder: it refuses (it never writes through one). */
export class LinkRefused extends UsageError {
  constructor(readonly path: string) {
    super(`${path} is a symbolic link: gc-run never writes through a link inside a run folder (replace it by the file itself, or use --out elsewhere)`);
  }
}

/** Whether `path` is a symbolic link (false when absent). */
export function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Throws LinkRefused when `path` is a symbolic link. */
export function refuseLink(path: string): void {
  if (isLink(path)) throw new LinkRefused(path);
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS = {
  w: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  a: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  wx: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
} as const;

/** Opens `path` for writing without following a link (LinkRefused); other failures are WriteFailure. */
export function openNoFollow(path: string, flags: keyof typeof FLAGS, mode = 0o644): number {
  try {
    return openSync(path, FLAGS[flags] | NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new LinkRefused(path);
    throw new WriteFailure(path, err);
  }
}

/**
 * Writes `parts` to `path` (opened with `flags`, never through a link) and fsyncs. A failed
 * write removes the file when `removeOnFailure` (default: when this call created it).
 */
export function writeSynced(path: string, parts: Uint8Array[] | string, flags: keyof typeof FLAGS = 'w', removeOnFailure?: boolean): void {
  const existed = removeOnFailure === undefined ? flags !== 'wx' && exists(path) : !removeOnFailure;
  const fd = openNoFollow(path, flags);
  try {
    for (const p of typeof parts === 'string' ? [parts] : parts) {
      if (typeof p === 'string') writeSync(fd, p);
      else writeSync(fd, p);
    }
    fsyncSync(fd);
  } catch (err) {
    closeQuietly(fd);
    if (!existed) unlinkQuietly(path);
    throw err instanceof GcRunError ? err : new WriteFailure(path, err);
  }
  try {
    closeSync(fd);
  } catch (err) {
    if (!existed) unlinkQuietly(path);
    throw new WriteFailure(path, err); // NFS and friends report ENOSPC at close
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already reported by the write */
  }
}

/** Removes a file this process created; gone already is fine. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone, or nothing more can be done */
  }
}

/**
 * Creates folder `path` and any missing parents, one level at a time, and returns the folders
 * it created (outermost first). Never loops: each missing level gets one mkdir. A failure
 * removes the folders this call created (empty ones) and throws `fail(dir, err)`, by default
 * a WriteFailure naming the folder; an existing non-folder on the way is ENOTDIR.
 * A symbolic link to a folder on the way is followed (results/ on another disk is common).
 */
export function makeFolder(path: string, fail: (dir: string, err: unknown) => Error = (d, e) => new WriteFailure(d, e, 'creating the folder')): string[] {
  const target = resolve(path);
  const missing: string[] = [];
  for (let cur = target; ; cur = dirname(cur)) {
    let st;
    try {
      st = statSync(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file sits on the way; walking up finds it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fail(cur, err);
      if (dirname(cur) === cur) throw fail(cur, err);
      missing.unshift(cur);
      continue;
    }
    if (!st.isDirectory()) throw fail(cur, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
    break;
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      for (const d of created.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          break;
        }
      }
      throw fail(dir, err);
    }
    created.push(dir);
  }
  return created;
}

/** makeFolder for a folder the user named: failures are UsageError (exit 2) naming `label` and the folder. */
export function makeUserFolder(path: string, label: string): string[] {
  return makeFolder(path, (dir, err) => new UsageError(`${label}: cannot create the folder ${dir} (${errCode(err)})`));
}
