import { PAPER_KNOBS } from '../config/knobs.js';
import { DATASET_NAMES, MODEL_ARCHS } from '../config/schema.js';
import { UsageError } from '../errors/errors.js';

/**
 * Flag mode (`gc-run --dataset cifar10 --reg spectral`): a default experiment per dataset with
 * one knob swept over a default range. `quickConfig` only builds the raw config object; the
 * caller validates it with the same schema as a config file.
 */

type DatasetName = (typeof DATASET_NAMES)[number];
type Arch = (typeof MODEL_ARCHS)[number];

/** A knob `--reg` can sweep: the config key it sets and the values swept by default. */
export interface QuickKnob {
  /** Dotted config key (null for `none`: the base config, unswept). */
  key: string | null;
  values: number[];
  what: string;
}

/** Every knob of the paper's sweeps (config/knobs.ts), plus `none`: the base config. */
export const QUICK_KNOBS: Record<string, QuickKnob> = {
  none: { key: null, values: [], what: 'the base config, nothing swept' },
  ...PAPER_KNOBS,
};

export const QUICK_REGS = Object.keys(QUICK_KNOBS);

/** Flag-mode inputs (undefined = the dataset's default). */
export interface QuickOptions {
  dataset: string;
  /** A key of QUICK_KNOBS; default 'none'. */
  reg?: string;
  /** Values replacing the knob's default range. */
  regStrength?: number[];
  lr?: number;
  batchSize?: number;
  epochs?: number;
  model?: string;
  seeds?: number[];
  experiment?: string;
}

/** Per-dataset defaults: model, optimizer and data sizes of the default experiment. */
export interface QuickDefaults {
  model: Arch;
  lr: number;
  batchSize: number;
  epochs: number;
  /** Training / test subset sizes (undefined = the whole split). */
  trainSize?: number;
  testSize?: number;
  gc: Record<string, unknown>;
}

/**
 * CIFAR: the paper's setting, ResNet-18 trained with plain SGD (no momentum: the lr and batch-size
 * sweeps probe SGD's implicit regularisation, which momentum would rescale) on the full data.
 * CIFAR-100 measures GC by random projections (exact needs 100 backward rows per example).
 * MNIST-style: a small MLP on a 10k subset, so a sweep finishes on a CPU.
 */
export const QUICK_DEFAULTS: Record<DatasetName, QuickDefaults> = {
  cifar10: { model: 'resnet18', lr: 0.05, batchSize: 128, epochs: 100, gc: { examples: 512, batch_size: 16, every: 5 } },
  cifar100: {
    model: 'resnet18',
    lr: 0.05,
    batchSize: 128,
    epochs: 100,
    gc: { examples: 512, batch_size: 16, every: 5, method: 'projection', projections: 10 },
  },
  'fashion-mnist': { model: 'mlp', lr: 0.05, batchSize: 32, epochs: 20, trainSize: 10000, testSize: 2000, gc: { examples: 512, batch_size: 64 } },
  mnist: { model: 'mlp', lr: 0.05, batchSize: 32, epochs: 20, trainSize: 10000, testSize: 2000, gc: { examples: 512, batch_size: 64 } },
};

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} '${value}' is not known (expected one of ${allowed.join(', ')})`);
}

/**
 * The raw (unvalidated) experiment config of flag mode: the dataset's defaults, overridden by
 * --lr/--batch-size/--epochs/--model, with `reg`'s config key swept over its default range or
 * `regStrength`. Throws UsageError for unknown names and contradictory flags.
 */
export function quickConfig(opts: QuickOptions): Record<string, unknown> {
  const dataset = oneOf('dataset', opts.dataset, DATASET_NAMES);
  const reg = oneOf('--reg', opts.reg ?? 'none', QUICK_REGS);
  const knob = QUICK_KNOBS[reg];
  const d = QUICK_DEFAULTS[dataset];
  if (reg === 'none' && opts.regStrength) throw new UsageError('--reg-strength needs --reg (which knob to sweep)');
  if (reg === 'lr' && opts.lr !== undefined) throw new UsageError('--lr fixes the learning rate that --reg lr sweeps; list the values with --reg-strength');
  if (reg === 'batch-size' && opts.batchSize !== undefined) {
    throw new UsageError('--batch-size fixes the batch size that --reg batch-size sweeps; list the values with --reg-strength');
  }
  if (opts.regStrength?.length === 0) throw new UsageError('--reg-strength: expected at least one value');
  const arch = oneOf('--model', opts.model ?? d.model, MODEL_ARCHS);
  const values = opts.regStrength ?? knob.values;
  const cfg: Record<string, unknown> = {
    experiment: opts.experiment ?? `${dataset}-${reg}`,
    dataset: {
      name: dataset,
      ...(d.trainSize ? { train_size: d.trainSize } : {}),
      ...(d.testSize ? { test_size: d.testSize } : {}),
    },
    model: { arch },
    optimizer: { name: 'sgd', lr: opts.lr ?? d.lr, momentum: 0 },
    train: { batch_size: opts.batchSize ?? d.batchSize, epochs: opts.epochs ?? d.epochs },
    gc: { ...d.gc },
    sweep: {
      grid: knob.key ? { [knob.key]: [...values] } : {},
      seeds: opts.seeds ? [...opts.seeds] : [0],
    },
  };
  return cfg;
}

/** Help text listing the flag-mode defaults and knobs (generated from the tables above). */
export function quickHelp(): string {
  const lines = ['', 'Flag mode (no config file): gc-run --dataset NAME [--reg KNOB] [options]', '  Defaults per dataset:'];
  for (const [name, d] of Object.entries(QUICK_DEFAULTS)) {
    const data = d.trainSize ? `${d.trainSize} train / ${d.testSize} test examples` : 'full data';
    lines.push(`    ${name.padEnd(14)} ${d.model}, SGD lr ${d.lr} (no momentum), batch ${d.batchSize}, ${d.epochs} epochs, ${data}`);
  }
  lines.push('  --reg KNOB sweeps (default values; --reg-strength replaces them):');
  for (const [name, k] of Object.entries(QUICK_KNOBS)) {
    const range = k.key ? `${k.key} = ${k.values.join(', ')}` : k.what;
    lines.push(`    ${name.padEnd(14)} ${range}`);
  }
  lines.push('  Seeds default to 0; the experiment name to <dataset>-<knob>. CIFAR downloads on first use.');
  lines.push('  The CIFAR defaults are GPU-scale (ResNet-18, full data): use a GPU (--backend webgpu or tensorflow-gpu).');
  return lines.join('\n');
}

/**
 * A warning when the chosen model is a GPU-scale conv net but the backend runs on the CPU
 * (wasm, cpu, tensorflow, or webgpu on a CPU fallback adapter such as llvmpipe): hours per epoch.
 * `onGpu`: webgpu found a real GPU adapter (tensorflow-gpu always counts as a GPU).
 */
export function backendNote(arch: string, backend: string, onGpu = false): string | null {
  if ((arch !== 'resnet18' && arch !== 'vgg') || backend === 'tensorflow-gpu' || (backend === 'webgpu' && onGpu)) return null;
  const where = backend === 'webgpu' ? 'the webgpu backend on a CPU fallback adapter' : `the ${backend} backend`;
  return `note: ${arch} on ${where} is far too slow for this experiment (hours per epoch); use a GPU (--backend webgpu or tensorflow-gpu, README "Backends"), or --model mlp/cnn for a CPU-sized run`;
}
