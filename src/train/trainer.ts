import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config/schema.js';
import type { Split } from '../data/split.js';
import { takeExamples } from '../data/split.js';
import { gcExamplesOf } from './gc-examples.js';
import { ExtraMetrics } from './extra-metrics.js';
import { PolyakOptimizer } from './polyak.js';
import { correctCount, sumOfSquares } from '../metrics/classification.js';
import type { LogitsFn } from '../metrics/gc.js';
import { lossFn, type LossFn } from '../metrics/loss.js';
import { MARGIN_COLUMNS, type MarginColumns } from '../metrics/margins.js';
import { gcOf, marginColumnsOf } from './gc-measure.js';
import { flowTimeSteps } from './flow-time.js';
import { Rng } from '../rng/rng.js';
import { evaluate } from './evaluate.js';
import { ConfigError } from '../errors/errors.js';
import { sizeIssues } from './sizes.js';
import type { Params, PenaltyTerm } from '../regularizers/term.js';
import { objective, penaltyTerms } from './objective.js';
import { isStateful, type NamedArray, type StatefulPart, type TrainerState } from '../results/trainer-state.js';
import { fromArray, toArrays } from './state-arrays.js';
import { SpectralNorms } from '../regularizers/spectral.js';
import { explainSecondOrderError, registerSecondOrderGradients } from '../regularizers/second-order.js';

/** Columns measured at the end of every epoch by the trainer besides BASE_COLUMNS and penalties. */
export const SPECTRAL_COLUMNS = ['spectral_max', 'spectral_sum'] as const;

export type { BatchTransform, EpochRow, StepProgress, TrainerData } from './types.js';
import type { StepProgress, TrainerData } from './types.js';

function params(model: tf.LayersModel): Params {
  const all = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = model.trainableWeights
    .filter((w) => /kernel$/.test(w.originalName))
    .map((w) => w.read() as tf.Variable);
  return { all, kernels };
}

/**
 * Owns one run's model, optimizer and random streams, and trains it epoch by epoch with a
 * custom loop: seeded shuffle each epoch, mini-batch SGD, every step inside tf.tidy.
 */
export class Trainer {
  readonly optimizer: tf.Optimizer;
  readonly terms: PenaltyTerm[];
  readonly shuffleRng: Rng;
  readonly augmentRng: Rng;
  step = 0;
  epoch = 0;
  /** Further persistent state to checkpoint (penalty terms that are StatefulPart are included automatically). */
  readonly extraState: StatefulPart[] = [];
  /** GC examples in host memory (batches are copied to the device one at a time; see metrics/examples.ts). */
  readonly gcExamples: Split;
  private readonly params: Params;
  private readonly infer: LogitsFn;
  /** Power-iteration state for the spectral penalty and the spectral_* columns. */
  private readonly spectral: SpectralNorms;
  /** The optimizer when it is Polyak's (instanceof cannot tell: tf.Optimizer's Symbol.hasInstance is duck-typed). */
  private readonly polyak: PolyakOptimizer | null;
  /** Optional columns: neural collapse, Polyak step sizes. */
  private readonly extras: ExtraMetrics;
  private readonly loss: LossFn;
  /** Last step of a train.flow_time run (Infinity without one). */
  readonly maxSteps: number;

  constructor(
    readonly cfg: RunConfig,
    readonly model: tf.LayersModel,
    readonly data: TrainerData,
  ) {
    // Never clamped, and checked before any tensor exists: GC on fewer examples than configured
    // would be reported as what it is not.
    if (cfg.gc.examples > data.train.n) {
      throw new ConfigError(`run config of ${cfg.experiment}`, sizeIssues(cfg, { dataset: cfg.dataset.name, train: data.train.n, test: data.test.n }));
    }
    const o = cfg.optimizer;
    this.polyak = o.name === 'polyak' ? new PolyakOptimizer(o.lr_max, o.c) : null;
    this.optimizer =
      o.name === 'polyak' ? this.polyak!
      : o.name === 'adam' ? tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon)
      : o.momentum > 0 ? tf.train.momentum(o.lr, o.momentum)
      : tf.train.sgd(o.lr);
    this.shuffleRng = Rng.derive(cfg.seed, 'shuffle');
    this.augmentRng = Rng.derive(cfg.seed, 'augment');
    this.params = params(model);
    this.spectral = new SpectralNorms(this.params.kernels, Rng.derive(cfg.seed, 'spectral').int(2 ** 31));
    this.terms = penaltyTerms(cfg, this.spectral);
    this.extraState.push(this.spectral);
    // For every run, penalised or not, so results never depend on what ran before in the process.
    registerSecondOrderGradients();
    this.infer = (x) => model.apply(x, { training: false }) as tf.Tensor2D;
    // GC examples: a fixed seeded subset of the training set, chosen once per run.
    this.gcExamples = gcExamplesOf(cfg, data.train);
    this.extras = new ExtraMetrics(cfg, model, data.train, data.classes);
    this.loss = lossFn(cfg.train.loss);
    this.maxSteps = flowTimeSteps(cfg);
  }

  /** Whether a train.flow_time run has taken its last step. */
  get flowTimeReached(): boolean {
    return this.step >= this.maxSteps;
  }

  /** CSV columns added by penalty terms, in order. */
  get penaltyColumns(): string[] {
    return this.terms.map((t) => t.column);
  }

  /** Every regulariser column of metrics.csv, in order: penalty values, then spectral norms. */
  get regularizerColumns(): string[] {
    return [...this.penaltyColumns, ...SPECTRAL_COLUMNS];
  }

  /** Optional measurement columns (neural collapse, Polyak step sizes), in order; after regularizerColumns. */
  get metricColumns(): string[] {
    return this.extras.columns;
  }

  /** Number of mini-batches per epoch (the last one may be smaller). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.data.train.n / this.cfg.train.batch_size);
  }

  /** One SGD step on the examples at `idx`. Returns [loss, correct, ...penalty values]. */
  private trainStep(idx: Int32Array): tf.Tensor1D {
    const { train } = this.data;
    const batch = takeExamples(train, idx);
    const xData = this.data.augment ? this.data.augment(batch.x, batch.shape, this.augmentRng) : batch.x;
    try {
      return this.sgdStep(xData, batch);
    } catch (err) {
      const active = this.terms.filter((t) => t.secondOrder && t.lambda > 0).map((t) => t.key);
      throw explainSecondOrderError(err, this.cfg.model.arch, active);
    }
  }

  private sgdStep(xData: Float32Array, batch: { n: number; y: Int32Array; shape: [number, number, number] }): tf.Tensor1D {
    return tf.tidy(() => {
      const x = tf.tensor4d(xData, [batch.n, ...batch.shape]);
      const y = tf.tensor1d(batch.y, 'int32');
      let stats: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const out = objective(this.terms, { params: this.params, x, y }, (xi) => this.model.apply(xi, { training: true }) as tf.Tensor2D, this.loss);
        stats = [out.loss, correctCount(out.logits, y), ...out.values].map((t) => tf.keep(t));
        return out.total;
      }, this.params.all);
      if (this.polyak) stats.push(this.polyak.polyakStep(value as tf.Scalar, grads));
      else this.optimizer.applyGradients(grads);
      // `value` may be the very tensor kept in stats (no penalty): the tidy frees it, not us.
      void value;
      const packed = tf.stack(stats) as tf.Tensor1D;
      // kept inside variableGrads' own scope, so no tidy frees them: dispose by hand
      tf.dispose(stats);
      return packed;
    });
  }

  /**
   * Trains one epoch (a train.flow_time run stops at its last step, mid-epoch); returns mean
   * train loss, accuracy and penalty values over the examples of its steps.
   */
  async trainEpoch(onStep?: (p: StepProgress) => void | Promise<void>): Promise<{ loss: number; acc: number; penalties: number[] }> {
    const n = this.data.train.n;
    const bs = this.cfg.train.batch_size;
    const perm = this.shuffleRng.permutation(n);
    const batches = this.batchesPerEpoch;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const penSums = new Array<number>(this.terms.length).fill(0);
    this.extras.startEpoch();
    this.epoch += 1;
    for (let b = 0; b < batches && !this.flowTimeReached; b++) {
      const idx = perm.subarray(b * bs, Math.min(n, (b + 1) * bs));
      const stats = this.trainStep(idx);
      const v = await stats.data();
      stats.dispose();
      this.step += 1;
      seen += idx.length;
      lossSum += v[0] * idx.length;
      correct += v[1];
      for (let i = 0; i < penSums.length; i++) penSums[i] += v[2 + i] * idx.length;
      if (this.polyak) this.extras.addStep(v[2 + penSums.length]);
      await onStep?.({ epoch: this.epoch, batch: b + 1, batches, loss: v[0] });
      if (!Number.isFinite(v[0])) break;
    }
    this.extras.endEpoch();
    return { loss: lossSum / seen, acc: correct / seen, penalties: penSums.map((s) => s / seen) };
  }

  /** Whether GC is measured at the end of `epoch` (always at 0 and at the last epoch). */
  measuresGcAt(epoch: number): boolean {
    return epoch === 0 || epoch === this.cfg.train.epochs || epoch % this.cfg.gc.every === 0;
  }

  /** Evaluation metrics after the current epoch: test loss/acc, GC and margin columns (if due), ||θ||². */
  async measure(forceGc = false): Promise<{
    test_loss: number;
    test_acc: number;
    gc: number | null;
    gc_seconds: number | null;
    weight_norm_sq: number;
    spectral_max: number;
    spectral_sum: number;
    /** metricColumns' values (null = not measured this epoch). */
    [column: string]: number | null;
  }> {
    const test = await evaluate(this.infer, this.data.test, this.cfg.train.eval_batch_size, this.loss);
    const t0 = performance.now();
    const gc = forceGc || this.measuresGcAt(this.epoch) ? await this.measureGc() : null;
    // Measured, so the README's statement of GC cost rests on numbers in every metrics.csv.
    const gc_seconds = gc === null ? null : (performance.now() - t0) / 1000;
    const marginCols: Record<keyof MarginColumns, number | null> = gc === null
      ? Object.fromEntries(MARGIN_COLUMNS.map((c) => [c, null])) as Record<keyof MarginColumns, null>
      : await marginColumnsOf(this.infer, this.gcExamples, this.cfg.gc.batch_size, gc);
    const wn = sumOfSquares(this.params.all);
    const weight_norm_sq = (await wn.data())[0];
    wn.dispose();
    // Always measured (cheap): 50 power iterations from the persistent vectors converge.
    const sn = await this.spectral.measure(50);
    const extra = await this.extras.measure(this.epoch, gc !== null);
    return { test_loss: test.loss, test_acc: test.acc, gc, gc_seconds, ...marginCols, weight_norm_sq, spectral_max: sn.max, spectral_sum: sn.sum, ...extra };
  }

  /** GC on the fixed GC examples by `cfg.gc.method` (projection directions seeded by (run seed, epoch)). */
  async measureGc(): Promise<number> {
    return gcOf(this.cfg, this.infer, this.gcExamples, this.data.classes, this.epoch);
  }

  /** Parts with state of their own: stateful penalty terms, then `extraState`. */
  get stateParts(): StatefulPart[] {
    return [...(this.terms as unknown[]).filter(isStateful), ...this.extraState];
  }

  /**
   * Copies out everything needed to continue training bit-identically: counters, random
   * streams, all model weights, optimizer state and each StatefulPart's arrays.
   */
  async getState(): Promise<TrainerState> {
    const optWeights = await this.optimizer.getWeights();
    const groups: Record<string, NamedArray[]> = {
      model: await toArrays(this.model.getWeights().map((t, i) => ({ name: `${i}:${this.model.weights[i].originalName}`, tensor: t }))),
      optimizer: await toArrays(optWeights),
    };
    // getWeights() makes a fresh scalar for the iteration counter (first entry); slots are the optimizer's own variables.
    optWeights[0]?.tensor.dispose();
    for (const part of this.stateParts) groups[`part:${part.stateKey}`] = await part.getState();
    return {
      step: this.step,
      epoch: this.epoch,
      rngs: { shuffle: this.shuffleRng.getState(), augment: this.augmentRng.getState() },
      groups,
    };
  }

  /** Restores a state from getState() of a trainer built from the same config. */
  async setState(state: TrainerState): Promise<void> {
    const model = state.groups.model ?? [];
    if (model.length !== this.model.weights.length) {
      throw new Error(`checkpoint holds ${model.length} model weights, the model has ${this.model.weights.length}`);
    }
    const weights = model.map(fromArray);
    try {
      this.model.setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
    const opt = (state.groups.optimizer ?? []).map((a) => ({ name: a.name, tensor: fromArray(a) }));
    try {
      if (opt.length) {
        // tfjs optimizers' setWeights replaces their slot variables without freeing the old ones.
        const replaced = await this.optimizer.getWeights();
        await this.optimizer.setWeights(opt);
        tf.dispose(replaced.map((w) => w.tensor));
      }
    } finally {
      tf.dispose(opt.map((o) => o.tensor));
    }
    for (const part of this.stateParts) {
      const arrays = state.groups[`part:${part.stateKey}`];
      if (!arrays) throw new Error(`checkpoint has no state for '${part.stateKey}'`);
      part.setState(arrays);
    }
    this.shuffleRng.setState(state.rngs.shuffle);
    this.augmentRng.setState(state.rngs.augment);
    this.step = state.step;
    this.epoch = state.epoch;
  }

  /** Frees every tensor this trainer owns (model, optimizer state). */
  dispose(): void {
    this.spectral.dispose();
    this.optimizer.dispose();
    this.model.dispose();
  }
}
