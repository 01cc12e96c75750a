/** The trainer's data and row types (re-exported by trainer.ts). */
import type { Split } from '../data/split.js';
import type { Rng } from '../rng/rng.js';

export type { EpochRow } from '../results/columns.js';

/** Progress inside an epoch, for the progress display. */
export interface StepProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
}

/** Per-batch transform of training inputs (e.g. augmentation), applied before the step. */
export type BatchTransform = (x: Float32Array, shape: [number, number, number], rng: Rng) => Float32Array;

export interface TrainerData {
  train: Split;
  test: Split;
  classes: number;
  /** Optional augmentation for training batches. */
  augment?: BatchTransform;
}
