import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedArray, TrainerState } from './trainer-state.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { makeFolder, refuseLink } from './fs-safe.js';

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
  /** SHA-256 (hex) of the weights file, verified on load; absent in checkpoints of earlier versions. */
  weights_sha256?: string;
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
  refuseLink(dir);
  makeFolder(dir);
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
  const bytes = parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  const hash = createHash('sha256');
  for (const b of bytes) hash.update(b);
  writeFileAtomic(join(dir, weightsFile), bytes);
  const file: StateFile = {
    format: 1,
    ...meta,
    step: state.step,
    trainer_epoch: state.epoch,
    rngs: state.rngs,
    weights_file: weightsFile,
    elements: offset,
    weights_sha256: hash.digest('hex'),
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

/** A checkpoint as loaded: what the trainer needs to continue. */
export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  state: TrainerState;
}

/**
 * Loads a checkpoint. `checkpoint` is null when there is none usable; `problem` then says why
 * a checkpoint that exists was refused (unreadable state.json, missing or truncated weights, a
 * SHA-256 mismatch: corrupted bytes), so the caller can say it restarts; null when there was
 * simply none (or it belongs to another run id: a copied folder).
 */
export function loadCheckpoint(runDir: string, id: string): { checkpoint: LoadedCheckpoint | null; problem: string | null } {
  const statePath = join(runDir, CHECKPOINT_DIR, 'state.json');
  if (!existsSync(statePath)) return { checkpoint: null, problem: null };
  let f: StateFile;
  try {
    f = JSON.parse(readFileSync(statePath, 'utf8')) as StateFile;
  } catch (err) {
    return { checkpoint: null, problem: `${statePath} is unreadable (${(err as Error).message})` };
  }
  if (f.format !== 1) return { checkpoint: null, problem: `${statePath}: unknown format ${String(f.format)}` };
  if (f.id !== id) return { checkpoint: null, problem: null };
  if (!/^weights-\d+\.bin$/.test(String(f.weights_file))) return { checkpoint: null, problem: `${statePath}: bad weights_file ${JSON.stringify(f.weights_file)}` };
  const weightsPath = join(runDir, CHECKPOINT_DIR, f.weights_file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(weightsPath);
  } catch (err) {
    return { checkpoint: null, problem: `${weightsPath} is unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  if (bytes.byteLength !== f.elements * 4) {
    return { checkpoint: null, problem: `${weightsPath} has ${bytes.byteLength} bytes, expected ${f.elements * 4}` };
  }
  if (f.weights_sha256 !== undefined && createHash('sha256').update(bytes).digest('hex') !== f.weights_sha256) {
    return { checkpoint: null, problem: `${weightsPath} fails its SHA-256 check (corrupted)` };
  }
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const all = new Float32Array(f.elements);
  new Uint8Array(all.buffer).set(bytes);
  const groups: Record<string, NamedArray[]> = {};
  for (const a of f.arrays) {
    (groups[a.group] ??= []).push({ name: a.name, shape: a.shape, dtype: a.dtype, data: all.slice(a.offset, a.offset + a.length) });
  }
  return {
    checkpoint: {
      meta: { id: f.id, epoch: f.epoch, seconds: f.seconds },
      state: { step: f.step, epoch: f.trainer_epoch, rngs: f.rngs, groups },
    },
    problem: null,
  };
}

/**
 * Loads a checkpoint, or returns null when none exists or it is unusable (wrong run id,
 * truncated or corrupted weights): the run then starts afresh, which is always safe.
 */
export function readCheckpoint(runDir: string, id: string): LoadedCheckpoint | null {
  return loadCheckpoint(runDir, id).checkpoint;
}

/** Removes a run's checkpoint (after completion: results are final, the weights are not kept). */
export function removeCheckpoint(runDir: string): void {
  rmSync(join(runDir, CHECKPOINT_DIR), { recursive: true, force: true });
}
