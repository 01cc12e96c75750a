/**
 * Safety checks on a run folder before gc-run writes in it: symbolic links where gc-run writes
 * (refused, never written through), and temporaries left by dead processes (removed once the
 * run's lock is held).
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_DIR, readCheckpointMeta } from './checkpoint.js';
import { LOCK_FILE, pidAlive } from './lock.js';
import { MODEL_DIR, MODEL_JSON, SNAPSHOTS_DIR, WEIGHTS_FILE } from './model-io.js';
import { RUN_FILES } from './run-folder.js';

/** Names gc-run writes directly inside a run folder. */
const RUN_FOLDER_ENTRIES = [...Object.values(RUN_FILES), LOCK_FILE, `${LOCK_FILE}.takeover`, CHECKPOINT_DIR, MODEL_DIR, SNAPSHOTS_DIR];

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The symbolic links among the paths gc-run writes in run folder `dir` (config.json, run.json,
 * metrics.csv, lock, checkpoint/ and its files, model/ and its files, snapshots/ and theirs,
 * and the temp names of all of them), which gc-run refuses to write through. The run folder
 * itself may be a link (followed, like results/ or the experiment folder).
 */
export function linksInRunFolder(dir: string): string[] {
  const links: string[] = [];
  const check = (p: string): boolean => {
    const st = lstatOrNull(p);
    if (st?.isSymbolicLink()) links.push(p);
    return !!st?.isDirectory();
  };
  for (const name of entries(dir)) {
    const p = join(dir, name);
    if (!RUN_FOLDER_ENTRIES.includes(name) && !TEMP_NAME.test(name)) continue;
    if (!check(p)) continue;
    if (name === CHECKPOINT_DIR) for (const f of entries(p)) check(join(p, f));
    if (name === MODEL_DIR) for (const f of [MODEL_JSON, WEIGHTS_FILE]) check(join(p, f));
    if (name === SNAPSHOTS_DIR) {
      for (const s of entries(p)) if (check(join(p, s))) for (const f of [MODEL_JSON, WEIGHTS_FILE]) check(join(p, s, f));
    }
  }
  return links;
}

/**
 * gc-run's own temp names (src/results/atomic.ts, model-io.ts): `.<name>.<pid>.tmp` for
 * config.json, run.json, metrics.csv, state.json, weights-<k>.bin, and `.<folder>.<pid>.tmp|old`
 * for model and snapshots' epoch-NNNN. Group 1: the pid.
 */
export const TEMP_NAME = /^\.(?:config\.json|run\.json|metrics\.csv|state\.json|weights-\d+\.bin|model|epoch-\d+)\.(\d+)\.(?:tmp|old)$/;

/**
 * Removes the temporaries of dead processes from run folder `dir` (and its checkpoint/ and
 * snapshots/): only names matching TEMP_NAME whose pid is not a live process on this host
 * (or is this process: it holds the run's lock and is not writing now), and never a symbolic
 * link. Call with the run's lock held (nobody else writes there then). Returns what it removed.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const sub of [dir, join(dir, CHECKPOINT_DIR), join(dir, SNAPSHOTS_DIR)]) {
    for (const name of entries(sub)) {
      const m = TEMP_NAME.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid !== process.pid && pidAlive(pid)) continue;
      const p = join(sub, name);
      const st = lstatOrNull(p);
      if (!st || st.isSymbolicLink()) continue;
      try {
        rmSync(p, { recursive: true, force: true });
        removed.push(p);
      } catch {
        /* not ours to fight over: the write that needs the name will say why */
      }
    }
  }
  return removed;
}

/**
 * Why run `id` in `dir` must not resume on `backend`: its checkpoint was written by another
 * backend (run.json's `backend` is the last attempt's), and a resume promises bit-identical
 * numbers, which two backends do not give. Null when there is no checkpoint to resume or the
 * backends agree. The message names both ways out.
 */
export function backendConflict(dir: string, id: string, backend: string, record: { backend?: unknown } | null): string | null {
  const before = typeof record?.backend === 'string' ? record.backend : null;
  if (!before || before === backend) return null;
  const ckpt = readCheckpointMeta(dir);
  if (!ckpt || ckpt.id !== id) return null;
  return (
    `run ${id} was trained on backend ${before} up to epoch ${ckpt.epoch}; resuming it on ${backend} would not be bit-identical: ` +
    `re-run with --backend ${before} to resume it, or with --restart to train it afresh on ${backend}`
  );
}
