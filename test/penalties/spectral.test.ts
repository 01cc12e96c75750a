import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { kernelMatrix, SpectralNorms, spectralTerm } from '../../src/regularizers/spectral.js';
import type { StepContext } from '../../src/regularizers/term.js';
import { weightDecayTerm } from '../../src/regularizers/weight-decay.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';


/** σ_max of a row-major [m, n] matrix in float64: power iteration on AᵀA until it stops moving. */
function sigmaMax64(a: ArrayLike<number>, m: number, n: number): { sigma: number; u: Float64Array; v: Float64Array } {
  let v = Float64Array.from({ length: n }, (_, i) => 1 + i / n);
  let sigma = 0;
  for (let it = 0; it < 5000; it++) {
    const av = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) av[i] += a[i * n + j] * v[j];
    const w = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j] += a[i * n + j] * av[i];
    const norm = Math.hypot(...w);
    v = w.map((x) => x / norm);
    const next = Math.sqrt(norm);
    if (Math.abs(next - sigma) < 1e-14 * next) break;
    sigma = next;
  }
  const u = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) u[i] += a[i * n + j] * v[j];
  const un = Math.hypot(...u);
  return { sigma: un, u: u.map((x) => x / un), v };
}

async function measured(values: number[], shape: number[], iters = 50): Promise<number> {
  const w = tf.variable(tf.tensor(values, shape));
  const s = new SpectralNorms([w], 3);
  const r = await s.measure(iters);
  s.dispose();
  w.dispose();
  return r.max;
}

test('kernelMatrix: dense kept, conv [kh,kw,cin,cout] reshaped row-major to [kh·kw·cin, cout]', async () => {
  await useBackend('cpu');
  const k = tf.reshape(tf.range(0, 2 * 3 * 4 * 5), [2, 3, 4, 5]);
  const m = kernelMatrix(k);
  assert.deepEqual(m.shape, [24, 5]);
  // Entry (kh=1, kw=2, cin=3, cout=4) sits at row (1·3 + 2)·4 + 3 = 23, column 4.
  const v = (await m.array()) as number[][];
  assert.equal(v[23][4], ((1 * 3 + 2) * 4 + 3) * 5 + 4);
  tf.dispose([k, m]);
});

test('σ_max of known matrices: diagonal, rank-1, and a rank-1 conv kernel', async () => {
  await useBackend('cpu');
  const diag = [3, 0, 0, 0, -5, 0, 0, 0, 2, 0, 0, 0]; // 4x3, singular values 5, 3, 2
  assert.ok(relDiff(await measured(diag, [4, 3]), 5) < 1e-5);
  const rng = new Rng(4);
  const a = Array.from({ length: 7 }, () => rng.normal());
  const b = Array.from({ length: 5 }, () => rng.normal());
  const outer = (p: number[], q: number[]) => p.flatMap((x) => q.map((y) => x * y));
  const expected = Math.hypot(...a) * Math.hypot(...b);
  assert.ok(relDiff(await measured(outer(a, b), [7, 5]), expected) < 1e-5);
  // Conv kernel [3,3,2,4] whose [18, 4] reshape is c dᵀ: σ = ||c||·||d||.
  const c = Array.from({ length: 18 }, () => rng.normal());
  const d = Array.from({ length: 4 }, () => rng.normal());
  assert.ok(relDiff(await measured(outer(c, d), [3, 3, 2, 4]), Math.hypot(...c) * Math.hypot(...d)) < 1e-5);
});

test('power iteration (50 steps, as logged) matches a float64 σ_max of a random 20x30 matrix within 1e-3', async () => {
  await useBackend('cpu');
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const a = Array.from({ length: 20 * 30 }, () => Math.fround(rng.normal()));
    const ref = sigmaMax64(a, 20, 30).sigma;
    const got = await measured(a, [20, 30]);
    assert.ok(relDiff(got, ref) < 1e-3, `seed ${seed}: ${got} vs ${ref}`);
  }
});

test('spectral penalty: value (1/2)·Σσ², gradient σ·u vᵀ per layer (u, v constants)', async () => {
  await useBackend('cpu');
  const rng = new Rng(7);
  const a1 = Array.from({ length: 6 * 4 }, () => Math.fround(rng.normal()));
  const a2 = Array.from({ length: 3 * 3 * 2 * 3 }, () => Math.fround(rng.normal()));
  const w1 = tf.variable(tf.tensor2d(a1, [6, 4]));
  const w2 = tf.variable(tf.tensor4d(a2, [3, 3, 2, 3]));
  const norms = new SpectralNorms([w1, w2], 0);
  await norms.measure(200); // converge the persistent vectors first
  const term = spectralTerm(1, norms, 1);
  const ctx = { params: { all: [w1, w2], kernels: [w1, w2] } } as unknown as StepContext;
  const { value, grads } = tf.variableGrads(() => term.value(ctx), [w1, w2]);
  const r1 = sigmaMax64(a1, 6, 4);
  const r2 = sigmaMax64(a2, 18, 3);
  assert.ok(relDiff((await value.data())[0], 0.5 * (r1.sigma ** 2 + r2.sigma ** 2)) < 1e-4);
  for (const [w, r, cols] of [[w1, r1, 4], [w2, r2, 3]] as const) {
    const g = await grads[w.name].data();
    // Singular vectors are defined up to a joint sign; σ u vᵀ is not.
    g.forEach((x, k) => {
      const want = r.sigma * r.u[Math.floor(k / cols)] * r.v[k % cols];
      assert.ok(Math.abs(x - want) < 1e-3 * r.sigma, `grad ${k}: ${x} vs ${want}`);
    });
  }
  tf.dispose([value, ...Object.values(grads)]);
  norms.dispose();
  tf.dispose([w1, w2]);
});

test('L2 penalty of known weights: (1/2)·||kernels||², biases only when asked', async () => {
  await useBackend('cpu');
  const k = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
  const b = tf.variable(tf.tensor1d([5]));
  const ctx = { params: { all: [k, b], kernels: [k] } } as unknown as StepContext;
  const v1 = weightDecayTerm(1).value(ctx);
  const v2 = weightDecayTerm(1, true).value(ctx);
  assert.equal((await v1.data())[0], 15);
  assert.equal((await v2.data())[0], 27.5);
  tf.dispose([k, b, v1, v2]);
});
