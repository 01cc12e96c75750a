/** The `lr` column: the configured learning rate (polyak: its cap lr_max; the steps taken are in step_size_*). */
import { LEARNING_RATE_COLUMNS } from '../../results/columns.js';
import { nominalLr } from '../optimizer.js';
import type { ColumnGroup, GroupContext } from './group.js';

export function learningRateGroup({ cfg }: GroupContext): ColumnGroup {
  const lr = nominalLr(cfg.optimizer);
  return { columns: LEARNING_RATE_COLUMNS, when: 'every epoch', ofModel: [], measure: async () => ({ lr }) };
}
