/**
 * Optional per-epoch columns of metrics.csv, present only in runs that enable them: neural
 * collapse (metrics.neural_collapse) and the Polyak step sizes (optimizer.name polyak).
 */
import type * as tf from '#tf';
import type { RunConfig } from '../config/schema.js';
import type { Split } from '../data/split.js';
import { jacobianStrategyFor } from '../metrics/gc.js';
import { explainGcMemoryError } from '../metrics/gc-memory.js';
import { Rng } from '../rng/rng.js';
import { neuralCollapseExamplesOf } from './gc-examples.js';
import { neuralCollapse } from './model-measures.js';

/** Columns of metrics.neural_collapse (at every GC measurement; empty on other epochs). */
export const NEURAL_COLLAPSE_COLUMNS = ['cdnv', 'embedding_gc'] as const;
/** Columns of optimizer.name polyak: the step sizes h used over the epoch (empty at epoch 0). */
export const STEP_SIZE_COLUMNS = ['step_size_mean', 'step_size_min', 'step_size_max'] as const;

export class ExtraMetrics {
  /** Neural-collapse examples, in host memory; null when not enabled. */
  private readonly ncExamples: Split | null;
  private steps = { sum: 0, min: Infinity, max: -Infinity, count: 0 };
  /** Step sizes of the last trained epoch. */
  private lastSteps: { mean: number; min: number; max: number } | null = null;

  constructor(
    private readonly cfg: RunConfig,
    private readonly model: tf.LayersModel,
    train: Split,
    private readonly classes: number,
  ) {
    this.ncExamples = cfg.metrics.neural_collapse ? neuralCollapseExamplesOf(cfg, train) : null;
  }

  private get polyak(): boolean {
    return this.cfg.optimizer.name === 'polyak';
  }

  /** The columns, in order (after the regulariser columns). */
  get columns(): string[] {
    return [...(this.ncExamples ? NEURAL_COLLAPSE_COLUMNS : []), ...(this.polyak ? STEP_SIZE_COLUMNS : [])];
  }

  startEpoch(): void {
    this.steps = { sum: 0, min: Infinity, max: -Infinity, count: 0 };
  }

  /** Records the step size h of one training step. */
  addStep(h: number): void {
    const s = this.steps;
    s.sum += h;
    s.min = Math.min(s.min, h);
    s.max = Math.max(s.max, h);
    s.count += 1;
  }

  endEpoch(): void {
    const s = this.steps;
    this.lastSteps = s.count ? { mean: s.sum / s.count, min: s.min, max: s.max } : null;
  }

  /** The columns' values after `epoch` (neural collapse only where GC was measured). */
  async measure(epoch: number, gcMeasured: boolean): Promise<Record<string, number | null>> {
    const out: Record<string, number | null> = {};
    if (this.ncExamples) {
      const nc = gcMeasured ? await this.neuralCollapse(epoch) : null;
      out.cdnv = nc?.cdnv ?? null;
      out.embedding_gc = nc?.embedding_gc ?? null;
    }
    if (this.polyak) {
      const s = epoch === 0 ? null : this.lastSteps;
      out.step_size_mean = s?.mean ?? null;
      out.step_size_min = s?.min ?? null;
      out.step_size_max = s?.max ?? null;
    }
    return out;
  }

  /**
   * CDNV and embedding GC on the neural-collapse examples (metrics/neural-collapse.ts), GC by
   * cfg.gc's method; projection directions from (run seed, epoch).
   */
  private async neuralCollapse(epoch: number): Promise<{ cdnv: number; embedding_gc: number }> {
    const { method, batch_size, projections } = this.cfg.gc;
    const strategy = jacobianStrategyFor(this.cfg.model.arch);
    try {
      return await neuralCollapse(this.model, this.ncExamples!, { method, batchSize: batch_size, projections, strategy }, () => Rng.derive(this.cfg.seed, `nc-projection:${epoch}`));
    } catch (err) {
      throw explainGcMemoryError(err, this.cfg.gc, this.classes);
    }
  }
}
