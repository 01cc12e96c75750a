/**
 * train_loss / train_acc (means over the epoch's steps, empty at epoch 0) and test_loss /
 * test_acc (the whole test split in inference mode, every epoch), by the run's train.loss.
 */
import type { Split } from '../../data/split.js';
import { lossAccuracyMargins } from '../model-measures.js';
import type { LossFn } from '../../metrics/loss.js';
import type { LogitsFn } from '../../metrics/gc.js';
import { LOSS_ACCURACY_COLUMNS } from '../../results/columns.js';
import type { ColumnGroup, GroupContext } from './group.js';

/** Mean loss (`loss`, cross-entropy by default) and accuracy of `f` on a whole split, in batches (inference mode). */
export async function evaluate(f: LogitsFn, split: Split, batchSize: number, loss?: LossFn): Promise<{ loss: number; acc: number }> {
  return lossAccuracyMargins(f, split, batchSize, loss, false);
}

export function lossAccuracyGroup({ cfg, infer, data, loss }: GroupContext): ColumnGroup {
  return {
    columns: LOSS_ACCURACY_COLUMNS,
    when: { train_loss: 'trained epochs', train_acc: 'trained epochs', test_loss: 'every epoch', test_acc: 'every epoch' },
    ofModel: ['test_loss', 'test_acc'],
    measure: async ({ train }) => {
      const test = await evaluate(infer, data.test, cfg.train.eval_batch_size, loss);
      return { train_loss: train?.loss ?? null, train_acc: train?.acc ?? null, test_loss: test.loss, test_acc: test.acc };
    },
  };
}
