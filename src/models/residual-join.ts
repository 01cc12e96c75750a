/**
 * `GcResidualJoin`: the end of a residual block, relu(a + b) of the block's output and its skip
 * connection, as one layer (tf.layers.add then a ReLU layer, fused); with `pool: true` also the
 * global average pool that follows the last block (mean over H, W of NHWC: output [N, C]).
 * In training the fused ops of src/backend/ops/residual.ts run: one forward pass
 * (pooled: y is never written) and a one-pass backward (pooled: no broadcast of the pooled
 * gradient). Inference (training false/absent) is tf.relu(tf.add(a, b)) (+ tf.mean), the ops the
 * stacked-GC rules (src/metrics/vjp-stacked.ts) know. No weights: a model's weights, their order
 * and checkpoints are those of the add + ReLU (+ pooling) layers it replaces.
 */
import * as tf from '#tf';
import { addRelu, addReluMean } from '../backend/ops/residual.js';

/** Arguments of GcResidualJoin: tfjs-layers' layer arguments, plus `pool`. */
export type GcResidualJoinArgs = { pool?: boolean; name?: string; trainable?: boolean };

/** relu(a + b), or its global average pool (module doc). Inputs: [a, b] of one shape. */
export class GcResidualJoin extends tf.layers.Layer {
  static className = 'GcResidualJoin';

  /** True when the output is mean over H, W of relu(a + b), [N, C]. */
  readonly pool: boolean;

  constructor(args: GcResidualJoinArgs = {}) {
    const { pool, ...rest } = args;
    super(rest);
    this.pool = Boolean(pool);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error('GcResidualJoin: expects two inputs [a, b]');
    const [a, b] = shapes as tf.Shape[];
    if (a.length !== b.length || a.some((d, i) => d != null && b[i] != null && d !== b[i])) {
      throw new Error(`GcResidualJoin: input shapes differ: [${a.join(',')}] vs [${b.join(',')}]`);
    }
    if (!this.pool) return a;
    if (a.length !== 4) throw new Error(`GcResidualJoin: pool needs NHWC inputs, got rank ${a.length}`);
    return [a[0], a[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('GcResidualJoin: expects two inputs [a, b]');
    const [a, b] = inputs;
    return tf.tidy(() => {
      // As tfjs-layers: any truthy `training` is a training pass.
      if (kwargs?.training) return this.pool ? addReluMean(a, b) : addRelu(a, b);
      const y = tf.relu(tf.add(a, b));
      return this.pool ? tf.mean(y, [1, 2]) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pool: this.pool };
  }
}
tf.serialization.registerClass(GcResidualJoin);

/** A GcResidualJoin layer: apply it to [blockOutput, skip]. */
export function residualJoin(args: GcResidualJoinArgs = {}): tf.layers.Layer {
  return new GcResidualJoin(args);
}
