/**
 * GC at initialisation against its closed form (issue #21). For a ReLU MLP with zero biases and
 * independent zero-mean weights of variance σ_l² in layer l (widths n_0 = d_in, …, n_L = d_out),
 * at any input x ≠ 0:  E‖∂f/∂x‖_F² = d_in · d_out · σ_L² · Π_{l=1}^{L-1} (n_l σ_l² / 2)
 * (exact but for a whole layer being inactive, probability ~2^-n_l: negligible at n_l = 24).
 * σ_l² is the variance gc-run's initialiser actually draws with (truncated normals included),
 * computed exactly here; gc-run's GC (the trainer's path: buildModel + gcOf) over seeds must have
 * its mean within 4 standard errors of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { INIT_SCHEMES, RunConfigSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { TRUNC_STD } from '../../src/models/init.js';
import { gcOf } from '../../src/train/columns/gc.js';
import { Rng } from '../../src/rng/rng.js';
import { useBackend } from '../helpers/tf.js';

/** erf by its Taylor series (converges to double precision for |x| ≤ 3 in < 60 terms). */
function erf(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Variance of a standard normal truncated to [-2, 2]: 1 − 2·2φ(2) / (2Φ(2) − 1). */
const TRUNC_VAR = 1 - (4 * Math.exp(-2)) / Math.sqrt(2 * Math.PI) / erf(Math.SQRT2);

/** The variance of one weight of a [fanIn, fanOut] kernel as gc-run draws it. */
function actualVariance(scheme: string, fanIn: number, fanOut: number, scale: number): number {
  const [family, dist] = scheme.split('_');
  const target = family === 'he' ? 2 / fanIn : family === 'lecun' ? 1 / fanIn : 2 / (fanIn + fanOut);
  // normal: a ±2σ truncated normal divided by TRUNC_STD; uniform: U(-a, a), a = √3·std, variance a²/3
  const shape = dist === 'normal' ? TRUNC_VAR / (TRUNC_STD * TRUNC_STD) : 1;
  return target * shape * scale * scale;
}

/** The closed form for widths n_0 … n_L. */
function closedForm(scheme: string, widths: number[], scale: number): number {
  const L = widths.length - 1;
  const v = (l: number) => actualVariance(scheme, widths[l - 1], widths[l], scale);
  let e = widths[0] * widths[L] * v(L);
  for (let l = 1; l < L; l++) e *= (widths[l] * v(l)) / 2;
  return e;
}

const D_IN = 16, CLASSES = 4, WIDTH = 24, SEEDS = 40;

test('the truncation correction: TRUNC_STD² is the exact variance of N(0,1) truncated at ±2', () => {
  assert.ok(Math.abs(TRUNC_STD * TRUNC_STD - TRUNC_VAR) < 1e-15, `${TRUNC_STD ** 2} vs ${TRUNC_VAR}`);
});

test('GC at init: seed mean within 4 standard errors of d_in·d_out·σ_L²·Π(n_l σ_l²/2), every scheme, depths 0-4, scale 1 and 0.5', async () => {
  await useBackend('cpu');
  const rng = new Rng(5);
  // Inputs in general position (any x ≠ 0 has the same expectation).
  const examples = { x: Float32Array.from({ length: 8 * D_IN }, () => rng.normal()), y: new Int32Array(8), n: 8, shape: [4, 4, 1] as [number, number, number] };
  const cases: [string, number, number][] = [
    ...INIT_SCHEMES.flatMap((s) => [[s, 0, 1], [s, 2, 1]] as [string, number, number][]),
    ['he_normal', 4, 1], ['glorot_uniform', 4, 1], ['lecun_normal', 3, 0.5],
  ];
  const before = tf.memory().numTensors;
  for (const [scheme, depth, scale] of cases) {
    const cfg = RunConfigSchema.parse({
      experiment: 'init', model: { arch: 'mlp', width: WIDTH, depth, init: { scheme, scale } },
      optimizer: { lr: 0.1 }, train: { batch_size: 8, epochs: 0 }, gc: { examples: 8, batch_size: 8 },
    });
    const gcs: number[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const model = buildModel(cfg.model, [4, 4, 1], CLASSES, seed);
      gcs.push(await gcOf(cfg, (x) => model.apply(x, { training: false }) as tf.Tensor2D, examples, CLASSES, 0));
      model.dispose();
    }
    const mean = gcs.reduce((a, b) => a + b, 0) / SEEDS;
    const se = Math.sqrt(gcs.reduce((a, b) => a + (b - mean) ** 2, 0) / (SEEDS - 1) / SEEDS);
    const widths = [D_IN, ...Array(depth).fill(WIDTH), CLASSES];
    const want = closedForm(scheme, widths, scale);
    const label = `${scheme} depth ${depth} scale ${scale}: seed mean ${mean.toPrecision(5)} ± ${se.toPrecision(3)} (SE), closed form ${want.toPrecision(5)}`;
    assert.ok(Math.abs(mean - want) <= 4 * se, label);
    // Power: a variance off by the truncation factor in every layer (TRUNC_VAR ≈ 0.774) would be rejected.
    if (scheme.endsWith('normal') && depth >= 2) assert.ok(Math.abs(mean - want * TRUNC_VAR ** (depth + 1)) > 4 * se, `${label}: cannot tell a missing truncation correction`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
});
