import { join } from 'node:path';
import type { PlannedRun } from '../config/sweep.js';
import { readCheckpointMeta } from '../results/checkpoint.js';
import { isStale, LOCK_FILE, readLock, type LockInfo } from '../results/lock.js';
import { readRecord, runDir } from './run-one.js';

/** State of a planned run on disk, as `gc-run --dry-run` lists it. Reads only. */
export interface PlanEntry {
  id: string;
  index: number;
  seed: number;
  swept: Record<string, unknown>;
  dir: string;
  /** done: complete; partial: has a checkpoint (resumes after `epoch`); running: locked by a live process. */
  status: 'done' | 'partial' | 'pending' | 'failed' | 'diverged' | 'running';
  /** partial: last checkpointed epoch; failed/diverged: the epoch it happened at. */
  epoch?: number | null;
  epochs: number;
  message?: string;
  holder?: LockInfo;
}

/** What re-running the sweep would do with `run`, judged from its folder. */
export function planStatus(run: PlannedRun): PlanEntry {
  const dir = runDir(run);
  const base = { id: run.id, index: run.index, seed: run.seed, swept: run.swept, dir, epochs: run.config.train.epochs };
  const record = readRecord(dir);
  if (record?.status === 'complete') return { ...base, status: 'done' };
  if (record?.status === 'diverged') return { ...base, status: 'diverged', epoch: record.error?.epoch, message: record.error?.message };
  const holder = readLock(join(dir, LOCK_FILE));
  if (holder && !isStale(holder)) return { ...base, status: 'running', holder };
  const ckpt = readCheckpointMeta(dir);
  if (record?.status === 'failed') return { ...base, status: 'failed', epoch: record.error?.epoch, message: record.error?.message };
  if (ckpt && ckpt.id === run.id) return { ...base, status: 'partial', epoch: ckpt.epoch };
  return { ...base, status: 'pending' };
}

/** One human-readable line per entry. */
export function describeEntry(e: PlanEntry): string {
  const swept = Object.entries(e.swept).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  const state =
    e.status === 'partial' ? `partial at epoch ${e.epoch}/${e.epochs}`
    : e.status === 'failed' || e.status === 'diverged' ? `${e.status} at epoch ${e.epoch}: ${e.message}`
    : e.status === 'running' ? `running elsewhere (pid ${e.holder!.pid} on ${e.holder!.host})`
    : e.status;
  return `${String(e.index).padStart(4)}  ${e.id}  seed=${e.seed}${swept ? ` ${swept}` : ''}  ${state}`;
}
