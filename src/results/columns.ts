/**
 * The column names of a metrics.csv epoch row, by group: the contract between the trainer's
 * column groups (src/train/columns/, one module per group: what each column measures and when)
 * and the run folder's readers. Declared here, in the leaf that owns the run folder, so that
 * results/ and train/ both import them (train/ implements them; results/ never imports train/).
 */

/** The learning rate of the epoch (polyak: the cap lr_max; the steps taken are in STEP_SIZE_COLUMNS). */
export const LEARNING_RATE_COLUMNS = ['lr'] as const;
/** Mean loss and accuracy over the epoch's training steps (empty at epoch 0), then on the test split. */
export const LOSS_ACCURACY_COLUMNS = ['train_loss', 'train_acc', 'test_loss', 'test_acc'] as const;
/**
 * GC on the run's GC examples, its wall time, and the logit scale on the same examples
 * (src/metrics/margins.ts): mean margin f_y − max_{j≠y} f_j, mean |margin|, GC / (mean |margin|)²,
 * mean ||f(x)||². Measured at every GC epoch (gc.every, epoch 0, the last epoch).
 */
export const GC_COLUMNS = ['gc', 'gc_seconds', 'margin_mean', 'margin_abs_mean', 'gc_margin', 'logit_sq'] as const;
/** The margin statistics among GC_COLUMNS, in metrics.csv order. */
export const MARGIN_COLUMNS = ['margin_mean', 'margin_abs_mean', 'gc_margin', 'logit_sq'] as const;
/** Unweighted penalty values averaged over the epoch's steps (empty when λ = 0 and at epoch 0). */
export const PENALTY_COLUMNS = ['l2_penalty', 'spectral_penalty', 'flatness_penalty', 'gc_penalty'] as const;
/** ||θ||² and the largest / summed σ_max over the layers, every epoch (epoch 0 included). */
export const WEIGHT_NORM_COLUMNS = ['weight_norm_sq', 'spectral_max', 'spectral_sum'] as const;
/** The spectral norms among WEIGHT_NORM_COLUMNS. */
export const SPECTRAL_COLUMNS = ['spectral_max', 'spectral_sum'] as const;
/** metrics.neural_collapse: CDNV and embedding GC on the neural-collapse examples, at every GC epoch. */
export const NEURAL_COLLAPSE_COLUMNS = ['cdnv', 'embedding_gc'] as const;
/** optimizer.name polyak: the step sizes h taken over the epoch (empty at epoch 0). */
export const STEP_SIZE_COLUMNS = ['step_size_mean', 'step_size_min', 'step_size_max'] as const;

export type LearningRateColumn = (typeof LEARNING_RATE_COLUMNS)[number];
export type LossAccuracyColumn = (typeof LOSS_ACCURACY_COLUMNS)[number];
export type GcColumn = (typeof GC_COLUMNS)[number];
export type PenaltyColumn = (typeof PENALTY_COLUMNS)[number];
export type WeightNormColumn = (typeof WEIGHT_NORM_COLUMNS)[number];
export type NeuralCollapseColumn = (typeof NEURAL_COLLAPSE_COLUMNS)[number];
export type StepSizeColumn = (typeof STEP_SIZE_COLUMNS)[number];

/** Every measured column of an epoch row (the loop adds epoch, step and seconds). */
export type MetricColumn =
  | LearningRateColumn
  | LossAccuracyColumn
  | GcColumn
  | PenaltyColumn
  | WeightNormColumn
  | NeuralCollapseColumn
  | StepSizeColumn;

/** Values of some columns (null = not measured this epoch). */
export type ColumnValues<C extends string = MetricColumn> = { [K in C]?: number | null };

/**
 * One row of metrics.csv (numbers; null = not measured this epoch). The columns every run has
 * are required; a group's optional columns (penalties, spectral norms, neural collapse, step
 * sizes) are present in runs that have them.
 */
export type EpochRow = {
  epoch: number;
  step: number;
  seconds: number;
  lr: number;
  train_loss: number | null;
  train_acc: number | null;
  test_loss: number;
  test_acc: number;
  gc: number | null;
  gc_seconds: number | null;
  weight_norm_sq: number;
  spectral_max: number;
  spectral_sum: number;
} & ColumnValues;

/** An epoch row's measured columns: all but those of the loop (epoch, step, seconds). */
export type MeasuredRow = Omit<EpochRow, 'epoch' | 'step' | 'seconds'>;
