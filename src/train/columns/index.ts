/**
 * A run's column groups, built once from its config, in metrics.csv order: the columns of an
 * epoch row beyond epoch, step and seconds. Adding a column: a module here (its group), its
 * names in src/results/columns.ts, one line below, and a test.
 */
import { METRICS_BASE_COLUMNS } from '../../results/run-folder.js';
import type { ColumnValues, MetricColumn } from '../../results/columns.js';
import type { ColumnGroup, EpochEnd, GroupContext } from './group.js';
export { whenOf } from './group.js';
import { gcGroup } from './gc.js';
import { learningRateGroup } from './learning-rate.js';
import { lossAccuracyGroup } from './loss-accuracy.js';
import { neuralCollapseGroup } from './neural-collapse.js';
import { penaltiesGroup } from './penalties.js';
import { stepSizesGroup } from './step-sizes.js';
import { weightNormsGroup } from './weight-norms.js';

export type { ColumnGroup, EpochEnd, EpochTrainStats, GroupContext, MeasuredAt, StepStats } from './group.js';

/** The groups of the run `ctx` describes (a group its config does not enable is left out). */
export function columnGroups(ctx: GroupContext): ColumnGroup[] {
  const groups = [
    learningRateGroup(ctx),
    lossAccuracyGroup(ctx),
    gcGroup(ctx),
    penaltiesGroup(ctx),
    weightNormsGroup(ctx),
    neuralCollapseGroup(ctx),
    stepSizesGroup(ctx),
  ];
  return groups.filter((g): g is ColumnGroup => g !== null);
}

/**
 * The metrics.csv header of a run with `groups`: the contract's base columns, then every further
 * group column in group order (penalties, spectral norms, neural collapse, step sizes).
 */
export function headerOf(groups: readonly ColumnGroup[]): string[] {
  const base: readonly string[] = METRICS_BASE_COLUMNS;
  return [...base, ...groups.flatMap((g) => g.columns).filter((c) => !base.includes(c))];
}

/** Every group's values after an epoch, measured in group order. */
export async function measureGroups(groups: readonly ColumnGroup[], at: EpochEnd): Promise<ColumnValues> {
  let out: ColumnValues = {};
  for (const g of groups) out = { ...out, ...(await g.measure(at)) };
  return out;
}

/** The columns of `groups` a saved model alone determines (what gc-measure re-measures). */
export function modelColumns(groups: readonly ColumnGroup[]): MetricColumn[] {
  return groups.flatMap((g) => g.ofModel);
}
