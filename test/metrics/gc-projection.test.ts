import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { geometricComplexity, jacobianSqNorms, type LogitsFn } from '../../src/metrics/gc.js';
import { projectedGeometricComplexity, projectedJacobianSqNorms, sphereDirections } from '../../src/metrics/gc-projection.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** A random orthonormal basis of R^c (Gram-Schmidt on Gaussian vectors), rows of [c, c]. */
function orthonormalBasis(rng: Rng, c: number): Float64Array[] {
  const rows: Float64Array[] = [];
  while (rows.length < c) {
    const v = Float64Array.from({ length: c }, () => rng.normal());
    for (const r of rows) {
      const dot = r.reduce((s, x, i) => s + x * v[i], 0);
      r.forEach((x, i) => (v[i] -= dot * x));
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    rows.push(v.map((x) => x / norm));
  }
  return rows;
}

/**
 * Variance of one projection sample C·||Jᵀv||² = C·vᵀAv (A = JJᵀ, v uniform on the sphere
 * S^{C-1}): E[(vᵀAv)²] = ((tr A)² + 2 tr A²) / (C(C+2)), hence Var = 2(C tr A² − (tr A)²)/(C+2).
 */
function projectionVariance(a: Float64Array, c: number): number {
  let tr = 0;
  let tr2 = 0;
  for (let i = 0; i < c; i++) {
    tr += a[i * c + i];
    for (let j = 0; j < c; j++) tr2 += a[i * c + j] * a[j * c + i];
  }
  return (2 * (c * tr2 - tr * tr)) / (c + 2);
}

/** A = J Jᵀ [C, C] for one example from its Jacobian rows J [C, D]. */
function gram(rows: Float32Array[], c: number): Float64Array {
  const a = new Float64Array(c * c);
  for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) a[i * c + j] = rows[i].reduce((s, x, k) => s + x * rows[j][k], 0);
  return a;
}

/** Mean and sample variance of `m` seeded projection-GC measurements. */
async function repeatMeasurements(f: LogitsFn, x: tf.Tensor, c: number, bs: number, p: number, m: number) {
  const values: number[] = [];
  for (let i = 0; i < m; i++) values.push(await projectedGeometricComplexity(f, x, c, bs, p, Rng.derive(7, `draw:${i}`)));
  const mean = values.reduce((s, v) => s + v, 0) / m;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (m - 1);
  return { mean, variance };
}

test('sphereDirections: unit vectors whose second moment is I/C', () => {
  const c = 4;
  const n = 20000;
  const v = sphereDirections(new Rng(3), n, c);
  const second = new Float64Array(c * c);
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let i = 0; i < c; i++) {
      sq += v[r * c + i] ** 2;
      for (let j = 0; j < c; j++) second[i * c + j] += (v[r * c + i] * v[r * c + j]) / n;
    }
    assert.ok(Math.abs(sq - 1) < 1e-6, `row ${r} has squared norm ${sq}`);
  }
  // Entries of v v^T have std <= 1/sqrt(n) ≈ 0.007: 0.03 is > 4 sigma.
  for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) assert.ok(Math.abs(second[i * c + j] - (i === j ? 1 / c : 0)) < 0.03);
});

test('projection with an orthonormal basis of directions is exact (equals the replicated-batch Jacobian norms)', async () => {
  await useBackend('cpu');
  const rng = new Rng(11);
  const [d, h, c, b] = [7, 10, 5, 3];
  const W1 = tf.tensor2d(randn(rng, d * h, 0.6), [d, h]);
  const W2 = tf.tensor2d(randn(rng, h * c, 0.6), [h, c]);
  const f: LogitsFn = (x) => tf.matMul(tf.tanh(tf.matMul(x, W1)), W2) as tf.Tensor2D;
  const x = tf.tensor2d(randn(rng, b * d), [b, d]);
  const exact = await jacobianSqNorms(f, x, c).array();
  for (const basis of [orthonormalBasis(new Rng(0), c).map((_, i) => Float64Array.from({ length: c }, (_, j) => +(i === j))), orthonormalBasis(new Rng(1), c)]) {
    // directions [P=C, B, C]: every example gets the whole basis
    const dirs = new Float32Array(c * b * c);
    basis.forEach((row, p) => {
      for (let e = 0; e < b; e++) dirs.set(row, (p * b + e) * c);
    });
    const v = tf.tensor3d(dirs, [c, b, c]);
    const est = await projectedJacobianSqNorms(f, x, v).array();
    est.forEach((val, e) => assert.ok(relDiff(val, exact[e]) < 1e-5, `example ${e}: ${val} vs exact ${exact[e]}`));
    v.dispose();
  }
  tf.dispose([W1, W2, x]);
});

test('affine model: projection GC is unbiased for ||W||_F^2, with the predicted variance', async () => {
  await useBackend('cpu');
  const rng = new Rng(5);
  const [d, c, n, p, m] = [6, 4, 6, 3, 300];
  const w = randn(rng, d * c);
  const W = tf.tensor2d(w, [d, c]);
  const f: LogitsFn = (x) => tf.matMul(x, W) as tf.Tensor2D;
  const x = tf.tensor2d(randn(rng, n * d), [n, d]);
  const exact = w.reduce((s, v) => s + v * v, 0);
  assert.ok(relDiff(await geometricComplexity(f, x, c, n), exact) < 1e-5);
  // J = W^T for every x, so A = W^T W.
  const rows = Array.from({ length: c }, (_, k) => Float32Array.from({ length: d }, (_, i) => w[i * c + k]));
  const perSample = projectionVariance(gram(rows, c), c);
  const perMeasurement = perSample / (n * p);
  const { mean, variance } = await repeatMeasurements(f, x, c, 4, p, m);
  const se = Math.sqrt(perMeasurement / m);
  assert.ok(Math.abs(mean - exact) < 4 * se, `mean ${mean} vs ||W||^2 ${exact} (SE ${se})`);
  const ratio = variance / perMeasurement;
  assert.ok(ratio > 0.6 && ratio < 1.5, `sample variance / predicted variance = ${ratio}`);
  tf.dispose([W, x]);
});

test('nonlinear model: mean of seeded projection estimates matches exact GC within 4 standard errors', async () => {
  await useBackend('cpu');
  const rng = new Rng(8);
  const [d, h, c, n, p, m] = [8, 12, 6, 5, 2, 200];
  const W1 = tf.tensor2d(randn(rng, d * h, 0.5), [d, h]);
  const B1 = tf.tensor1d(randn(rng, h, 0.2));
  const W2 = tf.tensor2d(randn(rng, h * c, 0.5), [h, c]);
  const f: LogitsFn = (x) => tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), B1)), W2) as tf.Tensor2D;
  const x = tf.tensor2d(randn(rng, n * d), [n, d]);
  const exact = await geometricComplexity(f, x, c, n);
  // Per-example Jacobian rows by one tf.grad per class: an independent route to A_x = J_x J_x^T.
  let varSum = 0;
  for (let e = 0; e < n; e++) {
    const xe = tf.slice(x, e, 1);
    const rows: Float32Array[] = [];
    for (let k = 0; k < c; k++) {
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.slice(f(xi), [0, k], [1, 1])))(xe);
      rows.push((await g.data()) as Float32Array);
      g.dispose();
    }
    xe.dispose();
    varSum += projectionVariance(gram(rows, c), c);
  }
  const perMeasurement = varSum / (n * n * p);
  const before = tf.memory().numTensors;
  const { mean, variance } = await repeatMeasurements(f, x, c, 3, p, m);
  assert.equal(tf.memory().numTensors, before, 'projection GC must not leave tensors behind');
  const se = Math.sqrt(perMeasurement / m);
  assert.ok(se < 0.05 * exact, 'the test must be able to tell a 20% bias apart');
  assert.ok(Math.abs(mean - exact) < 4 * se, `mean ${mean} vs exact ${exact} (SE ${se})`);
  const ratio = variance / perMeasurement;
  assert.ok(ratio > 0.6 && ratio < 1.5, `sample variance / predicted variance = ${ratio}`);
  // Deterministic given the stream; a different stream gives a different estimate.
  const a = await projectedGeometricComplexity(f, x, c, 3, p, new Rng(1));
  const b = await projectedGeometricComplexity(f, x, c, 3, p, new Rng(1));
  const other = await projectedGeometricComplexity(f, x, c, 3, p, new Rng(2));
  assert.equal(a, b);
  assert.notEqual(a, other);
  tf.dispose([W1, B1, W2, x]);
});
