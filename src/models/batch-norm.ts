/**
 * `GcBatchNormalization`: drop-in replacement for tf.layers.batchNormalization whose TRAINING
 * forward runs the two-pass training-mode batch norm of src/backend/wasm-kernels/bn-train.ts
 * (one moments pass + one normalise pass, a 3-pass backward, instead of tf.moments + tf.batchNorm
 * and their autodiff: ~15 full-size passes per layer). It subclasses tfjs-layers' own
 * BatchNormalization, so weights (gamma, beta, moving_mean, moving_variance, in that order, same
 * trainable flags and initialisers), config, momentum/epsilon semantics and the moving-average
 * update (moving -= (moving - batch) * (1 - momentum), biased batch variance) are those of
 * tfjs-layers. Inference (training false/absent) is tfjs-layers' code unchanged: tf.batchNorm with
 * the moving statistics, so the stacked-GC rules for FusedBatchNorm (src/metrics/vjp-stacked.ts)
 * still apply. Layouts other than the last axis with center and scale on go to tfjs-layers too.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from '../backend/wasm-kernels/bn-train.js';

/** Arguments of tf.layers.batchNormalization. */
export type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** The fields of tfjs-layers' BatchNormalization this subclass reads (public at run time). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/** tfjs-layers' BatchNormalization class (not exported by name; taken from an instance). */
const TfBatchNormalization = tf.layers.batchNormalization({}).constructor as typeof tf.layers.Layer;

/** tf.layers.batchNormalization with a faster training forward/backward (module doc). */
export class GcBatchNormalization extends TfBatchNormalization {
  static className = 'GcBatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as BatchNormFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // As tfjs-layers: any truthy `training` selects batch statistics.
    const training = Boolean(kwargs?.training);
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (!training || !lastAxis || !self.center || !self.scale || x.dtype !== 'float32' || (Array.isArray(inputs) && inputs.length !== 1)) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(x, self.gamma.read(), self.beta.read(), self.epsilon);
      // tfjs-layers' doMovingAverage, same operations and order.
      const update = (v: tf.LayerVariable, value: tf.Tensor) => tf.tidy(() => {
        const orig = v.read();
        v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
      });
      update(self.movingMean, mean);
      update(self.movingVariance, variance);
      return y;
    });
  }
}
tf.serialization.registerClass(GcBatchNormalization);

/** A GcBatchNormalization layer (same arguments as tf.layers.batchNormalization). */
export function batchNormalization(args: BatchNormArgs = {}): tf.layers.Layer {
  return new GcBatchNormalization(args);
}
