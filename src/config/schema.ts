import { z } from 'zod';

/**
 * The config schema: the single definition of every key gc-run accepts. All objects are strict
 * (unknown keys are errors). A YAML file is parsed into `ExperimentConfig` (with an optional
 * `sweep` block); each expanded run is a `RunConfig` (no sweep block, seed resolved).
 */

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const nonNeg = z.number().nonnegative();

/**
 * The concrete backends, fastest first: the order `auto` tries them in (src/backend/select.ts).
 * `auto` takes webgpu only on a real GPU adapter, never a CPU fallback (llvmpipe, SwiftShader).
 */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
/** What `backend:` and --backend accept: `auto` or a concrete backend. */
export const BACKENDS = ['auto', ...BACKEND_ORDER] as const;
export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100'] as const;
export const INIT_SCHEMES = [
  'he_normal',
  'he_uniform',
  'glorot_normal',
  'glorot_uniform',
  'lecun_normal',
  'lecun_uniform',
] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'elu', 'sigmoid', 'linear'] as const;
/** Training losses (src/metrics/loss.ts): softmax cross-entropy, or squared error on one-hot targets. */
export const LOSSES = ['cross_entropy', 'mse'] as const;

export const DatasetSchema = z.strictObject({
  name: z.enum(DATASET_NAMES).default('fashion-mnist'),
  /** Training examples used (stratified, seeded subset); omitted = the whole split. */
  train_size: posInt.optional(),
  /** Test examples used (stratified, seeded subset); omitted = the whole split. */
  test_size: posInt.optional(),
  /** Seed of the subset choice; separate from the run seed so all runs share one subset. */
  seed: nonNegInt.default(0),
  /**
   * Fraction p of training labels flipped (seeded by the run seed): exactly round(p·N) labels,
   * each replaced by a label drawn uniformly from the other classes. Test labels are untouched.
   */
  label_noise: z.number().min(0).max(1).default(0),
  /** Random crop + flip augmentation; omitted = on for CIFAR, off otherwise. */
  augment: z.boolean().optional(),
  /** Folder holding datasets/<name>/; overrides GC_DATA_DIR and the default. */
  data_dir: z.string().min(1).optional(),
});

export const InitSchema = z.strictObject({
  scheme: z.enum(INIT_SCHEMES).default('he_normal'),
  /** Multiplies every initial weight (not biases, which start at 0). */
  scale: z.number().positive().default(1),
});

const initDefault = () => InitSchema.parse({});

export const MlpSchema = z.strictObject({
  arch: z.literal('mlp'),
  widths: z.array(posInt).default([128, 128]),
  /** Width as one knob: every hidden layer gets this many units (overrides each entry of widths). */
  width: posInt.optional(),
  /** Number of hidden layers (0 = affine); new layers take width, else the last entry of widths. */
  depth: nonNegInt.optional(),
  activation: z.enum(ACTIVATIONS).default('relu'),
  init: InitSchema.default(initDefault),
});

export const CnnSchema = z.strictObject({
  arch: z.literal('cnn'),
  /** One 3x3 valid conv + 2x2 max-pool per entry. */
  channels: z.array(posInt).min(1).default([32, 64]),
  /** Width as one knob: the first conv's channels; the others keep their ratio to it (rounded, ≥ 1). */
  width: posInt.optional(),
  /** Hidden dense widths after flattening (none by default). */
  dense: z.array(posInt).default([]),
  activation: z.enum(ACTIVATIONS).default('relu'),
  init: InitSchema.default(initDefault),
});

/** CIFAR ResNet-18: 3x3 stem, four stages of two BasicBlocks, batch norm, global average pool. */
export const ResNet18Schema = z.strictObject({
  arch: z.literal('resnet18'),
  /** Channels of the stem and first stage; stages use width × [1, 2, 4, 8] (64 = the standard net). */
  width: posInt.default(64),
  init: InitSchema.default(initDefault),
});

export const VggSchema = z.strictObject({
  arch: z.literal('vgg'),
  /** One stage per entry: 3x3 same convs with these channels, then a 2x2 max-pool. */
  channels: z.array(z.array(posInt).min(1)).min(1).default([[64, 64], [128, 128], [256, 256]]),
  /** Width as one knob: the first conv's channels; every other conv keeps its ratio to it (rounded, ≥ 1). */
  width: posInt.optional(),
  /** Batch norm after every conv (convs then have no bias). */
  batch_norm: z.boolean().default(true),
  /** Hidden dense widths after flattening (none by default). */
  dense: z.array(posInt).default([]),
  activation: z.enum(ACTIVATIONS).default('relu'),
  init: InitSchema.default(initDefault),
});

export const ModelSchema = z.discriminatedUnion('arch', [MlpSchema, CnnSchema, ResNet18Schema, VggSchema]);
export const MODEL_ARCHS = ['mlp', 'cnn', 'resnet18', 'vgg'] as const;

export const SgdSchema = z.strictObject({
  name: z.literal('sgd').default('sgd'),
  lr: z.number().positive(),
  momentum: z.number().min(0).lt(1).default(0),
});

/**
 * Polyak / corridor step size (Dherin & Rosca 2024): plain gradient steps θ ← θ − h∇L with
 * h = min(lr_max, c · L(θ) / ‖∇L(θ)‖²) from each step's batch loss (the full objective,
 * penalties included; optimum value taken as 0) and gradient. Columns step_mean/min/max log h.
 */
export const PolyakSchema = z.strictObject({
  name: z.literal('polyak'),
  lr_max: z.number().positive(),
  c: z.number().positive().default(1),
});

/** Adam (Kingma & Ba 2015) as tfjs implements it; its moments are checkpointed like SGD's momentum. */
export const AdamSchema = z.strictObject({
  name: z.literal('adam'),
  lr: z.number().positive(),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
});

export const OptimizerSchema = z.discriminatedUnion('name', [SgdSchema, PolyakSchema, AdamSchema]);

export const TrainSchema = z.strictObject({
  batch_size: posInt,
  /**
   * Epochs to train (with stop_train_acc or flow_time: the most epochs a run may take);
   * 0 = a measure-only run: epoch 0 (the initialisation) is measured and nothing is trained.
   */
  epochs: nonNegInt,
  /**
   * The loss trained on, and reported in train_loss / test_loss: cross_entropy (softmax), or mse,
   * (1/2C)·||logits − onehot(y)||² (half the mean over the C classes), averaged over examples.
   */
  loss: z.enum(LOSSES).default('cross_entropy'),
  /**
   * Stop after the gradient-flow time lr × steps reaches this value (the run ends mid-epoch at
   * step ceil(flow_time / lr)), so a learning-rate sweep compares equal times of the flow that
   * SGD discretises. sgd with momentum 0 only (see crossChecks); epochs is then a cap.
   */
  flow_time: z.number().positive().optional(),
  /**
   * Stop once an epoch's training accuracy reaches this value (epochs is then the maximum).
   * Comparing final GC across a sweep is fairest when every run fits the data equally well.
   */
  stop_train_acc: z.number().gt(0).max(1).optional(),
  /** Batch size for test-set evaluation (memory only; does not change results). */
  eval_batch_size: posInt.default(500),
  /**
   * Also save the model every this many epochs (epoch 0 included) to snapshots/epoch-NNNN/;
   * omitted = only the final model (model/, always saved when a run completes).
   */
  save_every: posInt.optional(),
});

export const GcSchema = z.strictObject({
  /** Fixed, seeded subset of training examples on which GC is measured. */
  examples: posInt.default(256),
  /** Examples per GC pass (exact GC replicates each example once per class). */
  batch_size: posInt.default(32),
  /** Measure GC every this many epochs (always at epoch 0 and the last epoch). */
  every: posInt.default(1),
  /**
   * exact: one backward pass per class. projection: unbiased estimate C·E_v||Jᵀv||² with
   * `projections` random unit directions v per example (cheaper when classes > projections).
   */
  method: z.enum(['exact', 'projection']).default('exact'),
  /** Random directions per example for method projection. */
  projections: posInt.default(8),
});

export const MetricsSchema = z.strictObject({
  /**
   * Neural collapse on the penultimate-layer embedding at every GC measurement: columns cdnv
   * (class-distance normalised variance) and embedding_gc (GC of input → embedding, by gc.method).
   */
  neural_collapse: z.boolean().default(false),
  /** Class-balanced, seeded subset of training examples for the neural-collapse columns. */
  nc_examples: posInt.default(512),
});

export const RegularizersSchema = z.strictObject({
  /** L2 weight decay λ: adds (λ/2)·||θ||² to the loss. */
  weight_decay: nonNeg.default(0),
  /** Whether biases and normalisation parameters are included in the L2 term. */
  weight_decay_biases: z.boolean().default(false),
  /** Spectral-norm penalty λ: adds (λ/2)·Σ_layers σ_max(W_l)² (conv kernels as [kh·kw·cin, cout]). */
  spectral: nonNeg.default(0),
  /** Power iterations per training step for σ_max (persistent vectors make 1 enough). */
  spectral_power_iters: posInt.default(1),
  /** Flatness (gradient-norm) penalty λ: adds λ·||∇_θ L_batch||². Needs second derivatives. */
  flatness: nonNeg.default(0),
  /** Explicit GC penalty λ: adds λ·mean_batch ||d logits/dx||_F². Needs second derivatives. */
  gc: nonNeg.default(0),
});

export const ReportSchema = z.strictObject({
  /**
   * The metrics.csv column gc-report compares across the sweep (reproduction table, final
   * values): gc, or e.g. gc_margin. gc-report --metric overrides it. Does not change training.
   */
  metric: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a metrics.csv column name').default('gc'),
});

export const LoggingSchema = z.strictObject({
  /**
   * TensorBoard event files per run under <output_dir>/<experiment>/tensorboard/<run id>/: every
   * metrics.csv column per epoch, the training loss per step, swept values and final metrics as
   * HParams (src/results/tensorboard/). gc-run --tensorboard sets it. Does not change training.
   */
  tensorboard: z.boolean().default(false),
});

export const SweepSchema = z.strictObject({
  /** Dotted config key → list of values; runs are the Cartesian product. */
  grid: z.record(z.string().min(1), z.array(z.unknown()).min(1)).default({}),
  /** Run seeds; every grid point runs once per seed. */
  seeds: z.array(nonNegInt).min(1).default([0]),
});

/**
 * Keys one experiment has once, for all its runs: where results go, the experiment's name, and
 * the backend (chosen once per process). They cannot be swept: each run's config.json would
 * claim a value the run did not use.
 */
export const EXPERIMENT_LEVEL_KEYS = ['experiment', 'output_dir', 'backend', 'report', 'logging'] as const;

/** Longest experiment name: it is a folder name, and file systems allow 255 bytes per name. */
export const MAX_EXPERIMENT_NAME = 100;

/**
 * Most runs one sweep may expand to (seeds × the product of the grid's list lengths). Counted
 * before expanding: a typo'd grid of millions would otherwise exhaust memory planning it.
 */
export const MAX_SWEEP_RUNS = 10_000;

const common = {
  experiment: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" and "-"')
    .max(MAX_EXPERIMENT_NAME, `expected at most ${MAX_EXPERIMENT_NAME} characters (it names the experiment's folder)`),
  output_dir: z.string().min(1).default('results'),
  backend: z.enum(BACKENDS).default('auto'),
  seed: nonNegInt.default(0),
  dataset: DatasetSchema.default(() => DatasetSchema.parse({})),
  model: ModelSchema,
  optimizer: OptimizerSchema,
  train: TrainSchema,
  gc: GcSchema.default(() => GcSchema.parse({})),
  regularizers: RegularizersSchema.default(() => RegularizersSchema.parse({})),
  metrics: MetricsSchema.default(() => MetricsSchema.parse({})),
  report: ReportSchema.default(() => ReportSchema.parse({})),
  logging: LoggingSchema.default(() => LoggingSchema.parse({})),
};

/**
 * Checks across keys: train.flow_time is lr × steps, which only plain SGD has; an MLP with hidden
 * layers needs a width for them (model.width, or an entry of model.widths). Heavy-ball
 * momentum is refused rather than given a flow time: lr/(1 − momentum) per step is its
 * effective step only once the velocity has built up (≈ 1/(1 − momentum) steps from zero), and
 * its modified flow carries a different implicit regulariser, so equal "flow times" across
 * momenta or learning rates would not compare equal times of one flow.
 */
function crossChecks(cfg: { optimizer: { name: string; momentum?: number }; train: { flow_time?: number }; model: ModelConfig }, ctx: z.RefinementCtx): void {
  const m = cfg.model;
  if (m.arch === 'mlp' && (m.depth ?? 0) > 0 && m.width === undefined && m.widths.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['model', 'depth'], message: `needs model.width or a non-empty model.widths for its ${m.depth} hidden layers` });
  }
  if (cfg.train.flow_time === undefined) return;
  if (cfg.optimizer.name !== 'sgd') {
    ctx.addIssue({ code: 'custom', path: ['train', 'flow_time'], message: `needs optimizer.name sgd (lr × steps is the flow time), not ${cfg.optimizer.name}` });
  } else if ((cfg.optimizer.momentum ?? 0) > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['train', 'flow_time'],
      message: `needs optimizer.momentum 0, not ${cfg.optimizer.momentum}: lr × steps is the gradient-flow time of plain SGD only (heavy-ball SGD has no such time); use train.epochs to budget momentum runs`,
    });
  }
}

/** One run, fully resolved. */
export const RunConfigSchema = z.strictObject(common).superRefine(crossChecks);

/** A config file: a run plus an optional sweep block. */
export const ExperimentConfigSchema = z.strictObject({ ...common, sweep: SweepSchema.optional() }).superRefine(crossChecks);

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type DatasetConfig = z.infer<typeof DatasetSchema>;
export type BackendChoice = (typeof BACKENDS)[number];
export type ConcreteBackend = (typeof BACKEND_ORDER)[number];
export type InitConfig = z.infer<typeof InitSchema>;
