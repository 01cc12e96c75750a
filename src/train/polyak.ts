/**
 * Polyak / corridor step size (Dherin & Rosca 2024, "Corridor Geometry in Gradient-Based
 * Optimization": inside a corridor gradient descent follows the gradient flow exactly, and the
 * corridor learning rate coincides with a Polyak step size):
 *   θ ← θ − h ∇L(θ),   h = min(lr_max, c · L(θ) / ‖∇L(θ)‖²)
 * with L the batch loss (optimum value taken as 0) and ∇L its gradient over all trained
 * variables. No sync reads: h is computed and applied on the device and returned as a tensor.
 */
import * as tf from '#tf';

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export class PolyakOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'PolyakOptimizer';
  }

  constructor(
    readonly lrMax: number,
    readonly c: number,
  ) {
    super();
  }

  /**
   * One step on the variables named in `grads` (tfjs variable names, as variableGrads returns).
   * A zero gradient takes h = lr_max (the step is then 0 anyway).
   * @param loss scalar L(θ) of the batch
   * @returns scalar h, the step size used
   */
  polyakStep(loss: tf.Scalar, grads: tf.NamedTensorMap): tf.Scalar {
    return tf.tidy(() => {
      const names = Object.keys(grads);
      const sq = tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))) as tf.Scalar;
      const lrMax = tf.scalar(this.lrMax);
      const h = tf.where(tf.greater(sq, 0), tf.minimum(lrMax, tf.div(tf.mul(loss, this.c), sq)), lrMax) as tf.Scalar;
      const vars = tf.engine().registeredVariables;
      for (const n of names) vars[n].assign(tf.sub(vars[n], tf.mul(h, grads[n])));
      this.incrementIterations();
      return h;
    });
  }

  /** tfjs' interface has no loss argument; the trainer calls polyakStep instead. */
  override applyGradients(): void {
    throw new Error('PolyakOptimizer needs the batch loss: call polyakStep(loss, grads)');
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations()];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.extractIterations(weightValues);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { lrMax: this.lrMax, c: this.c };
  }
}
