import * as tf from '#tf';
import { randn } from './compare.js';

/**
 * Three seeded SGD steps of `m` in training mode on a mean-squared-error loss (inputs
 * [batch, ...input], targets [batch, outputs]), then every weight and the inference output on
 * `evalBatch` fresh inputs: what two layer implementations that should train alike are compared on.
 */
export function trainFewSteps(m: tf.LayersModel, o: { input: number[]; outputs: number; batch: number; evalBatch: number; lr: number }): Float32Array[] {
  const opt = tf.train.sgd(o.lr);
  for (let s = 0; s < 3; s++) {
    tf.tidy(() => {
      const x = randn([o.batch, ...o.input], s, 'in');
      const y = randn([o.batch, o.outputs], s, 'out');
      opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar);
    });
  }
  opt.dispose();
  return tf.tidy(() => [...m.getWeights(), m.predict(randn([o.evalBatch, ...o.input], 9, 'in')) as tf.Tensor].map((t) => t.dataSync() as Float32Array));
}
