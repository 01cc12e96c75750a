/**
 * A column group: some columns of the epoch row, when they are measured, and how. One module
 * per group in this folder; index.ts builds a run's groups once from its config. The names are
 * the run-folder contract's (src/results/columns.ts).
 */
import type * as tf from '#tf';
import type { RunConfig } from '../../config/schema.js';
import type { Split } from '../../data/split.js';
import type { LogitsFn } from '../../metrics/gc.js';
import type { LossFn } from '../../metrics/loss.js';
import type { Params, PenaltyTerm } from '../../regularizers/term.js';
import type { SpectralNorms } from '../../regularizers/spectral.js';
import type { ColumnValues, MetricColumn } from '../../results/columns.js';

/** When a group's columns hold values (empty cells otherwise). */
export type MeasuredAt =
  /** every epoch, epoch 0 (the initialisation) included */
  | 'every epoch'
  /** epochs where GC is measured: epoch 0, every gc.every, the last epoch (and a run's early end) */
  | 'gc epochs'
  /** epochs that trained: from the epoch's steps, empty at epoch 0 */
  | 'trained epochs';

/** Statistics of one epoch's training steps (example-weighted means; penalties in the order of the terms). */
export interface EpochTrainStats {
  loss: number;
  acc: number;
  penalties: number[];
}

/** The end of an epoch, as the groups see it. */
export interface EpochEnd {
  epoch: number;
  /** Whether GC (and what is measured with it) is measured at this epoch. */
  gcDue: boolean;
  /** The epoch's step statistics; null at epoch 0 and when re-measuring a saved model. */
  train: EpochTrainStats | null;
}

/** One training step, for groups that follow the steps. */
export interface StepStats {
  /** The step size h of a Polyak step (null for other optimizers). */
  stepSize: number | null;
}

export interface ColumnGroup {
  /** The group's columns (names from src/results/columns.ts). */
  readonly columns: readonly MetricColumn[];
  /** When the group's columns hold values: one rule for all, or one per column. */
  readonly when: MeasuredAt | Readonly<Partial<Record<MetricColumn, MeasuredAt>>>;
  /**
   * The columns whose values are a function of the model's weights alone (and the run's config),
   * so that gc-measure re-measures them from a saved model, to the digits logged.
   */
  readonly ofModel: readonly MetricColumn[];
  /** The values after an epoch (all of `columns`; null where not measured). */
  measure(at: EpochEnd): Promise<ColumnValues>;
  startEpoch?(): void;
  onStep?(s: StepStats): void;
  endEpoch?(): void;
}

/** What the groups of one run are built from (once per run, by index.ts). */
export interface GroupContext {
  cfg: RunConfig;
  model: tf.LayersModel;
  /** The model in inference mode: inputs [B, H, W, C] → logits [B, classes]. */
  infer: LogitsFn;
  data: { train: Split; test: Split; classes: number };
  /** The run's fixed GC examples (gc-examples.ts). */
  gcExamples: Split;
  params: Params;
  spectral: SpectralNorms;
  terms: PenaltyTerm[];
  /** The loss of train.loss. */
  loss: LossFn;
}

/** When `column` of `group` holds values. */
export function whenOf(group: ColumnGroup, column: MetricColumn): MeasuredAt {
  const w = group.when;
  if (typeof w === 'string') return w;
  const at = w[column];
  if (!at) throw new Error(`column group of ${group.columns.join(', ')} says nothing about when ${column} is measured`);
  return at;
}

/** Every column of `columns`, null: a group's value on an epoch it does not measure. */
export function empty(columns: readonly MetricColumn[]): ColumnValues {
  return Object.fromEntries(columns.map((c) => [c, null]));
}
