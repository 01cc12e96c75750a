import * as tf from '#tf';
import type { Rng } from '../rng/rng.js';
import type { LogitsFn } from './gc.js';
import { forEachBatch, toHost, type Examples } from './examples.js';
import { withTieExactConvs } from '../backend/tie-exact.js';

/**
 * `count` directions drawn uniformly from the unit sphere in R^classes (normalised Gaussians),
 * row-major [count, classes].
 */
export function sphereDirections(rng: Rng, count: number, classes: number): Float32Array {
  const out = new Float32Array(count * classes);
  const row = new Float64Array(classes);
  for (let r = 0; r < count; r++) {
    let sq = 0;
    // A zero vector has probability 0 but would divide by zero: draw again.
    while (sq === 0) {
      sq = 0;
      for (let k = 0; k < classes; k++) {
        row[k] = rng.normal();
        sq += row[k] * row[k];
      }
    }
    const inv = 1 / Math.sqrt(sq);
    for (let k = 0; k < classes; k++) out[r * classes + k] = row[k] * inv;
  }
  return out;
}

/**
 * Random-projection estimate of the per-example squared Jacobian norm:
 * ||J||_F² ≈ (C/P) Σ_p ||Jᵀ v_p||², J = d f(x)/dx (C × D), with the given directions.
 * For v uniform on the unit sphere E[v vᵀ] = I/C, so the estimate is unbiased; with the P
 * directions an orthonormal basis of R^C it is exact. The batch is replicated P times and
 * replica p back-propagates v_pᵀ f(x) once: P backward rows instead of C.
 * Valid because `f` treats examples independently (inference mode).
 * @param x [B, ...inputShape]
 * @param directions [P, B, C]: direction p for example b (unit vectors for an unbiased estimate)
 * @returns [B] estimates
 */
export function projectedJacobianSqNorms(f: LogitsFn, x: tf.Tensor, directions: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const [p, b, c] = directions.shape;
    if (b !== x.shape[0]) throw new Error(`directions are for ${b} examples, x has ${x.shape[0]}`);
    const xr = tf.concat(Array.from({ length: p }, () => x), 0);
    const v = tf.reshape(directions, [p * b, c]);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), v)))(xr);
    const perRow = tf.sum(tf.square(tf.reshape(g, [p * b, -1])), 1);
    return tf.mul(tf.sum(tf.reshape(perRow, [p, b]), 0), c / p) as tf.Tensor1D;
  });
}

/**
 * Random-projection GC ≈ (1/N) Σ_x (C/P) Σ_p ||J(x)ᵀ v_{x,p}||², in batches of `batchSize`,
 * with fresh directions per example and projection drawn from `rng` (so a seeded `rng` makes
 * the measurement deterministic). Cost: P backward rows per example instead of C.
 * Cost linear in N: batches are cut from a host copy (see examples.ts).
 * @param examples [N, ...inputShape] (a tensor, or host examples)
 */
export async function projectedGeometricComplexity(
  f: LogitsFn,
  examples: Examples,
  classes: number,
  batchSize: number,
  projections: number,
  rng: Rng,
): Promise<number> {
  // Forward convs that keep exact max-pool ties exact (backend/tie-exact.ts).
  return withTieExactConvs(() => projectedOnHost(f, examples, classes, batchSize, projections, rng));
}

async function projectedOnHost(f: LogitsFn, examples: Examples, classes: number, batchSize: number, projections: number, rng: Rng): Promise<number> {
  const host = await toHost(examples);
  const n = host.n;
  let total = 0;
  await forEachBatch(host, batchSize, (xb, _start, size) => {
    // Drawn batch by batch, in order: the same stream as ever.
    const v = tf.tensor3d(sphereDirections(rng, projections * size, classes), [projections, size, classes]);
    return tf.sum(projectedJacobianSqNorms(f, xb, v));
  }, ([s]) => {
    total += s[0];
  });
  return total / n;
}
