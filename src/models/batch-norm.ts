/**
 * `GcBatchNormalization`: drop-in replacement for tf.layers.batchNormalization whose TRAINING
 * forward runs the two-pass training-mode batch norm of src/backend/ops/bn-train.ts
 * (one moments pass + one normalise pass, a 3-pass backward, instead of tf.moments + tf.batchNorm
 * and their autodiff: ~15 full-size passes per layer). It subclasses tfjs-layers' own
 * BatchNormalization, so weights (gamma, beta, moving_mean, moving_variance, in that order, same
 * trainable flags and initialisers), config, momentum/epsilon semantics and the moving-average
 * update (moving -= (moving - batch) * (1 - momentum), biased batch variance) are those of
 * tfjs-layers. Inference (training false/absent) is tfjs-layers' code unchanged: tf.batchNorm with
 * the moving statistics, so the stacked-GC rules for FusedBatchNorm (src/metrics/vjp-stacked.ts)
 * still apply. Layouts other than the last axis with center and scale on go to tfjs-layers too.
 * Option `activation: 'relu'` (in the config only when set; default none) makes the layer output
 * relu(batchnorm(x)): fused into the training kernels (no Relu / relu-gradient passes), and
 * tf.relu(tf.batchNorm(...)) elsewhere, so inference is still FusedBatchNorm then Relu, the ops
 * the stacked-GC rules know. The relu has no weights: weights, their names and order, and
 * checkpoints are those of a BatchNormalization layer followed by a ReLU layer.
 */
import * as tf from '#tf';
import { batchNormTrain } from '../backend/ops/bn-train.js';

/** Arguments of tf.layers.batchNormalization. */
export type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** Activations a GcBatchNormalization can apply to its output ('linear' / absent: none). */
export type BatchNormActivation = 'relu' | 'linear';

/** Arguments of GcBatchNormalization: tf.layers.batchNormalization's, plus `activation`. */
export type GcBatchNormArgs = BatchNormArgs & { activation?: BatchNormActivation | null };

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

  /** True when the output is relu(batchnorm(x)). */
  readonly relu: boolean;

  constructor(args: GcBatchNormArgs = {}) {
    const { activation, ...rest } = args;
    super(rest as tf.serialization.ConfigDict);
    if (activation != null && activation !== 'relu' && activation !== 'linear') {
      throw new Error(`GcBatchNormalization: activation must be 'relu' or 'linear', got ${String(activation)}`);
    }
    this.relu = activation === 'relu';
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    // Only when set, so configs of plain batch-norm layers stay those of tfjs-layers.
    return this.relu ? { ...config, activation: 'relu' } : config;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as BatchNormFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // As tfjs-layers: any truthy `training` selects batch statistics.
    const training = Boolean(kwargs?.training);
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (!training || !lastAxis || !self.center || !self.scale || x.dtype !== 'float32' || (Array.isArray(inputs) && inputs.length !== 1)) {
      if (!this.relu) return super.call(inputs, kwargs);
      return tf.tidy(() => {
        const out = super.call(inputs, kwargs);
        return tf.relu(Array.isArray(out) ? out[0] : out);
      });
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(x, self.gamma.read(), self.beta.read(), self.epsilon, this.relu);
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

/** A GcBatchNormalization layer (tf.layers.batchNormalization's arguments, plus `activation`). */
export function batchNormalization(args: GcBatchNormArgs = {}): tf.layers.Layer {
  return new GcBatchNormalization(args);
}
