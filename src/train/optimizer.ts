/**
 * The optimizer of a run, decided once from optimizer.* (the schema has already checked the
 * combination): tf's sgd, momentum or adam, or Polyak's step size (polyak.ts).
 */
import * as tf from '#tf';
import type { RunConfig } from '../config/schema.js';
import { PolyakOptimizer } from './polyak.js';

type OptimizerConfig = RunConfig['optimizer'];

/** The optimizer of `o`, and the same object typed as Polyak's when it is (its steps report h). */
export function buildOptimizer(o: OptimizerConfig): { optimizer: tf.Optimizer; polyak: PolyakOptimizer | null } {
  if (o.name === 'polyak') {
    const polyak = new PolyakOptimizer(o.lr_max, o.c);
    return { optimizer: polyak, polyak };
  }
  if (o.name === 'adam') return { optimizer: tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon), polyak: null };
  return { optimizer: o.momentum > 0 ? tf.train.momentum(o.lr, o.momentum) : tf.train.sgd(o.lr), polyak: null };
}

/**
 * The learning rate of `o` as logged in the `lr` column and used by train.flow_time (lr × steps):
 * sgd's lr, or polyak's cap lr_max (its steps taken are in step_size_*).
 */
export function nominalLr(o: OptimizerConfig): number {
  return o.name === 'polyak' ? o.lr_max : o.lr;
}
