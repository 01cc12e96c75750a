/**
 * train_loss / train_acc (means over the epoch's steps, empty at epoch 0) and test_loss /
 * test_acc (the whole test split in inference mode, every epoch), by the run's train.loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../../data/split.js';
import { correctCount, crossEntropy } from '../../metrics/classification.js';
import type { LossFn } from '../../metrics/loss.js';
import type { LogitsFn } from '../../metrics/gc.js';
import { LOSS_ACCURACY_COLUMNS } from '../../results/columns.js';
import type { ColumnGroup, GroupContext } from './group.js';

/** Mean loss (`loss`, cross-entropy by default) and accuracy of `f` on a whole split, in batches (inference mode). */
export async function evaluate(f: LogitsFn, split: Split, batchSize: number, loss: LossFn = crossEntropy): Promise<{ loss: number; acc: number }> {
  const d = split.shape[0] * split.shape[1] * split.shape[2];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.n; start += batchSize) {
    const size = Math.min(batchSize, split.n - start);
    const out = tf.tidy(() => {
      const xb = tf.tensor4d(split.x.subarray(start * d, (start + size) * d), [size, ...split.shape]);
      const yb = tf.tensor1d(split.y.subarray(start, start + size), 'int32');
      const logits = f(xb);
      return tf.stack([tf.mul(loss(logits, yb), size), correctCount(logits, yb)]);
    });
    const [l, c] = await out.data();
    out.dispose();
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.n, acc: correct / split.n };
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
