import type { BackendChoice } from '../config/schema.js';
import type { PlannedRun } from '../config/sweep.js';
import type { LockOptions } from '../results/lock.js';
import type { RunOutcome } from './run-one.js';
import type { EpochRow, StepProgress } from '../train/trainer.js';

/** Messages between the parent gc-run and its worker processes (structured-clone IPC). */

export interface WorkerInit {
  type: 'init';
  backend: BackendChoice;
  dataDir?: string;
  download?: boolean;
  /** The parent's command line, recorded as provenance in every run the worker trains. */
  argv: readonly string[];
  restart?: boolean;
  lock?: LockOptions;
}

export type ToWorker = WorkerInit | { type: 'run'; run: PlannedRun } | { type: 'stop' } | { type: 'exit' };

export type FromWorker =
  | { type: 'ready'; backend: string; line: string }
  | { type: 'start'; id: string; fromEpoch: number }
  | { type: 'step'; p: StepProgress }
  | { type: 'epoch'; row: EpochRow }
  | { type: 'done'; outcome: RunOutcome }
  /** The worker cannot go on (backend or data could not load): `exitCode` as the error's. */
  | { type: 'fatal'; message: string; exitCode: number };
