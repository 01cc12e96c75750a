import type { EpochRow, StepProgress } from '../train/trainer.js';

/**
 * What the sweep runner reports while it works. The runner calls it; the CLI implements it
 * (bars or lines, src/cli/progress.ts and src/cli/pool-progress.ts), so runner/ never imports cli/.
 */
export interface SweepProgress {
  /** A run starts training: `fromEpoch` > 0 when it resumes from a checkpoint (its epochs before that are done). */
  startRun(index: number, total: number, id: string, epochs: number, fromEpoch?: number): void;
  step(p: StepProgress): void;
  epoch(row: EpochRow): void;
  endRun(status: string): void;
  stop(): void;
}

/** Events one run reports (to the progress display, and to its TensorBoard files). */
export interface RunEvents {
  /** Training begins (after the lock is taken); `fromEpoch` > 0 when resuming from a checkpoint. */
  onStart?(info: { fromEpoch: number }): void;
  onStep?(p: StepProgress): void;
  onEpoch?(row: EpochRow): void;
}
