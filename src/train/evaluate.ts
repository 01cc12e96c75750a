import * as tf from '#tf';
import type { Split } from '../data/split.js';
import { correctCount, crossEntropy } from '../metrics/classification.js';
import type { LossFn } from '../metrics/loss.js';
import type { LogitsFn } from '../metrics/gc.js';

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
