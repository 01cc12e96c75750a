/** The `lr` column: the configured learning rate (polyak: its cap lr_max; the steps taken are in step_size_*). */
import { LEARNING_RATE_COLUMNS } from '../../results/columns.js';
import type { ColumnGroup, GroupContext } from './group.js';

export function learningRateGroup({ cfg }: GroupContext): ColumnGroup {
  const o = cfg.optimizer;
  const lr = o.name === 'polyak' ? o.lr_max : o.lr;
  return { columns: LEARNING_RATE_COLUMNS, when: 'every epoch', ofModel: [], measure: async () => ({ lr }) };
}
