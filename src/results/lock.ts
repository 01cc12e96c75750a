import { closeSync, constants, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Contents of a run folder's `lock` file. */
export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
}

/** A held lock; release() removes the file if it is still ours. */
export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): void;
}

export type LockResult = { acquired: true; lock: RunLock; tookOver?: LockInfo } | { acquired: false; holder: LockInfo };

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = 'lock';

function createExclusive(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Reads a lock file; a half-written or vanished one reads as null. */
export function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` exists on this machine (EPERM: exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock is stale: taken on this host by a process that no longer exists. Locks from
 * other hosts are never judged stale (their pids mean nothing here): remove those by hand.
 */
export function isStale(info: LockInfo, host = hostname()): boolean {
  return info.host === host && info.pid !== process.pid && !pidAlive(info.pid);
}

/** Milliseconds since a file was last modified (a held lock is touched every HEARTBEAT_MS), or null if gone. */
function ageMs(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** How often a held lock's mtime is refreshed, so other hosts can tell a live holder from a dead one. */
export const HEARTBEAT_MS = 30_000;

export interface LockOptions {
  /**
   * Also treat a lock as stale when its file has not been touched for this long, whatever its
   * host (for clusters where a dead node's locks would otherwise stay forever). Must be well
   * above HEARTBEAT_MS. Undefined: only same-host dead-pid locks are stale.
   */
  staleAfterMs?: number;
}

function sameLock(a: LockInfo | null, b: LockInfo): boolean {
  return !!a && a.pid === b.pid && a.host === b.host && a.started_at === b.started_at;
}

/** A lock file that exists but cannot be parsed, older than this, was left by a crash mid-write. */
const UNREADABLE_GRACE_MS = 10_000;

/**
 * Takes the lock of a run folder, so no two processes ever train the same run: the `lock` file
 * is created with O_EXCL and holds pid, host and start time. A stale lock (same host, dead pid)
 * is taken over; the takeover itself is guarded by a second O_EXCL file so two processes that
 * both see the stale lock cannot both win.
 */
export function acquireRunLock(runDir: string, opts: LockOptions = {}): LockResult {
  const path = join(runDir, LOCK_FILE);
  const stale = (h: LockInfo, p: string) => isStale(h) || (opts.staleAfterMs !== undefined && (ageMs(p) ?? 0) > opts.staleAfterMs);
  const info: LockInfo = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, info)) return { acquired: true, lock: makeLock(path, info) };
    const holder = readLock(path);
    if (holder && !stale(holder, path)) return { acquired: false, holder };
    if (!holder) {
      const age = ageMs(path);
      if (age === null) continue; // vanished: released meanwhile, try again
      if (age < UNREADABLE_GRACE_MS) return { acquired: false, holder: { pid: -1, host: '?', started_at: '?' } };
    }
    const guard = `${path}.takeover`;
    if (!createExclusive(guard, info)) {
      const g = readLock(guard);
      if (g && !stale(g, guard)) return { acquired: false, holder: holder ?? g };
      try {
        unlinkSync(guard); // left by a process that died during a takeover
      } catch {
        /* someone else removed it */
      }
      continue;
    }
    try {
      const now = readLock(path);
      // Still the same stale lock (or still unreadable)? Then it is ours to replace.
      if ((holder && sameLock(now, holder)) || (!holder && !now)) {
        try {
          unlinkSync(path);
        } catch {
          /* vanished */
        }
        if (createExclusive(path, info)) return { acquired: true, lock: makeLock(path, info), tookOver: holder ?? undefined };
      }
    } finally {
      unlinkSync(guard);
    }
  }
  const holder = readLock(path);
  return { acquired: false, holder: holder ?? { pid: -1, host: '?', started_at: '?' } };
}

function makeLock(path: string, info: LockInfo): RunLock {
  let held = true;
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      /* the folder may be gone (test cleanup); the next acquire sorts it out */
    }
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    path,
    info,
    release() {
      if (!held) return;
      held = false;
      clearInterval(beat);
      if (sameLock(readLock(path), info)) unlinkSync(path);
    },
  };
}

/** Describes a lock holder for messages: "pid 123 on host-a since …". */
export function describeHolder(h: LockInfo): string {
  return h.pid < 0 ? 'another process (lock being written)' : `pid ${h.pid} on ${h.host} since ${h.started_at}`;
}
