/**
 * The epoch loop of one run: epoch 0 (the initialisation) measured, then train → measure per
 * epoch, with the stop rules (train.stop_train_acc, train.flow_time, the epochs cap), the
 * divergence rule (divergence.ts), snapshots (train.save_every) and checkpoints decided here.
 * What happens to a row, a snapshot or a checkpoint is the caller's (hooks): the runner writes
 * them into the run folder, a progress view or an event-file writer can listen to the same hooks.
 */
import type { EpochRow } from '../results/columns.js';
import type { EpochTrainStats } from './columns/index.js';
import { baselineOf, divergenceReason, type DivergenceBaseline } from './divergence.js';
import type { Trainer } from './trainer.js';
import type { StepProgress } from './types.js';

/** Thrown when the loop's signal is aborted: the run stops at the next step, keeping its last checkpoint. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface EpochHooks {
  /** After every training step (progress, per-step loss). */
  onStep?(p: StepProgress): void;
  /** After every epoch's measurement (epoch 0 included), before the divergence rule looks at it. */
  onRow?(row: EpochRow): void | Promise<void>;
  /** When train.save_every divides the epoch (0 included): save the model of this epoch. */
  onSnapshot?(epoch: number): void | Promise<void>;
  /**
   * After an epoch that did not end the run and is not the last: the row is written, so a
   * checkpoint of `epoch` may follow (a crash in between only redoes this epoch).
   */
  onCheckpoint?(epoch: number, seconds: number): void | Promise<void>;
  /** After every epoch that did not end the run (after its checkpoint, if any). */
  onEpochEnd?(epoch: number): void | Promise<void>;
}

export interface EpochLoopOptions {
  /** First epoch to compute: 0, or k + 1 after restoring the epoch-k checkpoint into the trainer. */
  fromEpoch: number;
  /** Training seconds before this session (from the checkpoint), so `seconds` keeps counting. */
  secondsBefore: number;
  /** Epoch-0 values the divergence rule compares with (from metrics.csv when resuming; null: none). */
  baseline: DivergenceBaseline | null;
  signal?: AbortSignal;
  /** Set to the epoch being computed (so a caller can say where an exception happened). */
  at?: { epoch: number };
}

/** How the loop ended, when it did not throw. */
export interface EpochLoopEnd {
  /** The divergence rule ended the run at `epoch`. */
  diverged?: { epoch: number; message: string };
  /** train.stop_train_acc ended the run. */
  stoppedEarly?: { epoch: number; train_acc: number };
  /** train.flow_time ended the run at `step`, mid-epoch `epoch`. */
  flowTimeReached?: { epoch: number; step: number; flow_time: number };
}

/**
 * Runs `trainer` from `opts.fromEpoch` to the end of the run. Throws Interrupted when
 * `opts.signal` aborts (at an epoch boundary or after a step), and whatever a step throws.
 */
export async function runEpochs(trainer: Trainer, opts: EpochLoopOptions, hooks: EpochHooks = {}): Promise<EpochLoopEnd> {
  const cfg = trainer.cfg;
  const t0 = performance.now();
  const seconds = () => opts.secondsBefore + (performance.now() - t0) / 1000;
  const onStep = async (p: StepProgress) => {
    hooks.onStep?.(p);
    // On cpu/wasm a whole epoch can run on microtasks alone: yield so signals, IPC and the lock heartbeat get through.
    await new Promise((r) => setImmediate(r));
    if (opts.signal?.aborted) throw new Interrupted();
  };
  let baseline = opts.baseline;
  let train: EpochTrainStats | null = null;
  const target = cfg.train.stop_train_acc;
  const end: EpochLoopEnd = {};
  let epoch = opts.fromEpoch;
  for (; epoch <= cfg.train.epochs; epoch++) {
    if (opts.at) opts.at.epoch = epoch;
    if (opts.signal?.aborted) throw new Interrupted();
    if (epoch > 0) train = await trainer.trainEpoch(onStep);
    // A run that stops early here still ends on a GC measurement.
    const stopping = target !== undefined && train !== null && train.acc >= target;
    const flowEnd = epoch > 0 && trainer.flowTimeReached;
    const m = await trainer.measure(stopping || flowEnd, train);
    // The groups fill every column of the header (src/train/columns/).
    const row: EpochRow = { epoch, step: trainer.step, ...m, seconds: seconds() };
    await hooks.onRow?.(row);
    if (epoch === 0) baseline = baselineOf(row);
    const diverged = divergenceReason(row, baseline);
    if (diverged !== null) {
      end.diverged = { epoch, message: diverged };
      break;
    }
    if (stopping) end.stoppedEarly = { epoch, train_acc: train!.acc };
    if (flowEnd) end.flowTimeReached = { epoch, step: trainer.step, flow_time: cfg.train.flow_time! };
    if (stopping || flowEnd) break;
    const every = cfg.train.save_every;
    if (every !== undefined && epoch % every === 0) await hooks.onSnapshot?.(epoch);
    // Row first, then checkpoint: a crash in between only redoes this epoch.
    if (epoch < cfg.train.epochs) await hooks.onCheckpoint?.(epoch, row.seconds);
    await hooks.onEpochEnd?.(epoch);
  }
  // After all epochs: past the last one (what an error saving the final model reports, as before).
  if (opts.at) opts.at.epoch = epoch;
  return end;
}
