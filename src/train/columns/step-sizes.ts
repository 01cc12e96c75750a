/** optimizer.name polyak: the step sizes h = min(lr_max, c·L/‖∇L‖²) taken over the epoch (src/train/polyak.ts); empty at epoch 0. */
import { STEP_SIZE_COLUMNS } from '../../results/columns.js';
import { empty, type ColumnGroup, type GroupContext } from './group.js';

export function stepSizesGroup({ cfg }: GroupContext): ColumnGroup | null {
  if (cfg.optimizer.name !== 'polyak') return null;
  let steps = { sum: 0, min: Infinity, max: -Infinity, count: 0 };
  /** Step sizes of the last trained epoch. */
  let last: { mean: number; min: number; max: number } | null = null;
  return {
    columns: STEP_SIZE_COLUMNS,
    when: 'trained epochs',
    ofModel: [],
    startEpoch() {
      steps = { sum: 0, min: Infinity, max: -Infinity, count: 0 };
    },
    onStep({ stepSize: h }) {
      if (h === null) return;
      steps.sum += h;
      steps.min = Math.min(steps.min, h);
      steps.max = Math.max(steps.max, h);
      steps.count += 1;
    },
    endEpoch() {
      last = steps.count ? { mean: steps.sum / steps.count, min: steps.min, max: steps.max } : null;
    },
    measure: async ({ epoch }) => {
      const s = epoch === 0 ? null : last;
      return s ? { step_size_mean: s.mean, step_size_min: s.min, step_size_max: s.max } : empty(STEP_SIZE_COLUMNS);
    },
  };
}
