import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedArray, TrainerState } from './trainer-state.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';

/** Folder of a run's checkpoint: <run dir>/checkpoint. */
export const CHECKPOINT_DIR = 'checkpoint';

/** What a run needs besides the trainer state to continue where it stopped. */
export interface CheckpointMeta {
  /** Run id the checkpoint belongs to (guards against copied folders). */
  id: string;
  /** Last finished epoch (its metrics.csv row is on disk). */
  epoch: number;
  /** Wall-clock seconds of training before this checkpoint (the `seconds` column continues from it). */
  seconds: number;
}

interface ArrayEntry {
  group: string;
  name: string;
  shape: number[];
  dtype: NamedArray['dtype'];
  /** Offset in float32 elements into the weights file. */
  offset: number;
  length: number;
}

/** checkpoint/state.json: small, human-readable; arrays live in the binary file it names. */
interface StateFile extends CheckpointMeta {
  format: 1;
  step: number;
  trainer_epoch: number;
  rngs: Record<string, number[]>;
  weights_file: string;
  /** Float32 elements in the weights file (little-endian). */
  elements: number;
  arrays: ArrayEntry[];
  saved_at: string;
}

/**
 * Saves a checkpoint atomically: the weights go to a new `weights-<epoch>.bin` (temp file +
 * rename), then state.json, which names it, is replaced atomically; only then are older weight
 * files removed. A crash at any point leaves the previous or the new checkpoint, never a mix.
 * Little-endian byte order is assumed (every platform Node runs on in practice).
 */
export function writeCheckpoint(runDir: string, meta: CheckpointMeta, state: TrainerState): void {
  const dir = join(runDir, CHECKPOINT_DIR);
  mkdirSync(dir, { recursive: true });
  const arrays: ArrayEntry[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [group, list] of Object.entries(state.groups)) {
    for (const a of list) {
      arrays.push({ group, name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.data.length });
      parts.push(a.data);
      offset += a.data.length;
    }
  }
  const weightsFile = `weights-${meta.epoch}.bin`;
  writeFileAtomic(join(dir, weightsFile), parts);
  const file: StateFile = {
    format: 1,
    ...meta,
    step: state.step,
    trainer_epoch: state.epoch,
    rngs: state.rngs,
    weights_file: weightsFile,
    elements: offset,
    arrays,
    saved_at: new Date().toISOString(),
  };
  writeJsonAtomic(join(dir, 'state.json'), file);
  for (const f of readdirSync(dir)) {
    if (f !== weightsFile && /^weights-\d+\.bin$/.test(f)) rmSync(join(dir, f), { force: true });
  }
}

/** Reads only the checkpoint's metadata (epoch, seconds), or null when there is none usable. */
export function readCheckpointMeta(runDir: string): CheckpointMeta | null {
  try {
    const f = JSON.parse(readFileSync(join(runDir, CHECKPOINT_DIR, 'state.json'), 'utf8')) as StateFile;
    if (f.format !== 1 || !existsSync(join(runDir, CHECKPOINT_DIR, f.weights_file))) return null;
    return { id: f.id, epoch: f.epoch, seconds: f.seconds };
  } catch {
    return null;
  }
}

/**
 * Loads a checkpoint, or returns null when none exists or it is unusable (wrong run id,
 * truncated weights): the run then starts afresh, which is always safe.
 */
export function readCheckpoint(runDir: string, id: string): { meta: CheckpointMeta; state: TrainerState } | null {
  let f: StateFile;
  let bytes: Buffer;
  try {
    f = JSON.parse(readFileSync(join(runDir, CHECKPOINT_DIR, 'state.json'), 'utf8')) as StateFile;
    if (f.format !== 1 || f.id !== id) return null;
    bytes = readFileSync(join(runDir, CHECKPOINT_DIR, f.weights_file));
  } catch {
    return null;
  }
  if (bytes.byteLength !== f.elements * 4) return null;
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const all = new Float32Array(f.elements);
  new Uint8Array(all.buffer).set(bytes);
  const groups: Record<string, NamedArray[]> = {};
  for (const a of f.arrays) {
    (groups[a.group] ??= []).push({ name: a.name, shape: a.shape, dtype: a.dtype, data: all.slice(a.offset, a.offset + a.length) });
  }
  return {
    meta: { id: f.id, epoch: f.epoch, seconds: f.seconds },
    state: { step: f.step, epoch: f.trainer_epoch, rngs: f.rngs, groups },
  };
}

/** Removes a run's checkpoint (after completion: results are final, the weights are not kept). */
export function removeCheckpoint(runDir: string): void {
  rmSync(join(runDir, CHECKPOINT_DIR), { recursive: true, force: true });
}
