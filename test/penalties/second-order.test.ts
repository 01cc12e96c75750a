import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { flatnessTerm } from '../../src/regularizers/flatness.js';
import { jacobianStrategyFor } from '../../src/metrics/gc.js';
import { gcPenaltyTerm } from '../../src/regularizers/gc-penalty.js';
import { registerSecondOrderGradients } from '../../src/regularizers/second-order.js';
import type { StepContext } from '../../src/regularizers/term.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';
import { linearModel, randn } from '../helpers/linear-model.js';


/** ||∇_{W,b} CE||² of the linear softmax model logits = xW + b, in float64 (closed form). */
function gradNormSq64(x: number[], y: number[], w: number[], b: number[], n: number, d: number, c: number): number {
  const gw = new Float64Array(d * c);
  const gb = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const z = b.map((bk, k) => bk + x.slice(i * d, (i + 1) * d).reduce((s, xj, j) => s + xj * w[j * c + k], 0));
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const se = e.reduce((s, v) => s + v, 0);
    for (let k = 0; k < c; k++) {
      const r = (e[k] / se - (y[i] === k ? 1 : 0)) / n; // d CE / d z_ik
      gb[k] += r;
      for (let j = 0; j < d; j++) gw[j * c + k] += x[i * d + j] * r;
    }
  }
  return [...gw, ...gb].reduce((s, v) => s + v * v, 0);
}

test('flatness penalty of a linear softmax model: value and its gradient match the float64 closed form', async () => {
  await useBackend('cpu');
  const [n, d, c] = [5, 4, 3];
  const { x, y, w0, b0, W, B, xt, yt, forward } = linearModel(3, n, d, c);
  const ctx = { params: { all: [W, B], kernels: [W] }, x: xt, y: yt, forward } as unknown as StepContext;
  registerSecondOrderGradients();
  const term = flatnessTerm(1);
  assert.equal(term.secondOrder, true);
  const { value, grads } = tf.variableGrads(() => term.value(ctx), [W, B]);
  const ref = gradNormSq64(x, y, w0, b0, n, d, c);
  assert.ok(relDiff((await value.data())[0], ref) < 1e-4, `${(await value.data())[0]} vs ${ref}`);
  // Gradient of the penalty (double backprop) vs float64 central differences of the closed form.
  const gW = await grads[W.name].data();
  const gB = await grads[B.name].data();
  const h = 1e-5;
  const fd = (which: 'w' | 'b', k: number) => {
    const p = which === 'w' ? [...w0] : [...b0];
    p[k] += h;
    const up = which === 'w' ? gradNormSq64(x, y, p, b0, n, d, c) : gradNormSq64(x, y, w0, p, n, d, c);
    p[k] -= 2 * h;
    const dn = which === 'w' ? gradNormSq64(x, y, p, b0, n, d, c) : gradNormSq64(x, y, w0, p, n, d, c);
    return (up - dn) / (2 * h);
  };
  const scale = Math.max(...Array.from(gW, Math.abs));
  gW.forEach((g, k) => assert.ok(Math.abs(g - fd('w', k)) < 1e-3 * scale, `dW[${k}] ${g} vs ${fd('w', k)}`));
  gB.forEach((g, k) => assert.ok(Math.abs(g - fd('b', k)) < 1e-3 * scale, `db[${k}] ${g} vs ${fd('b', k)}`));
  tf.dispose([W, B, xt, yt, value, ...Object.values(grads)]);
});

test('GC penalty of an affine model equals ||W||_F² and its gradient is 2W (bias: 0)', async () => {
  await useBackend('cpu');
  const rng = new Rng(5);
  const [n, d, c] = [6, 8, 4];
  const w0 = randn(rng, d * c);
  const W = tf.variable(tf.tensor2d(w0, [d, c]));
  const B = tf.variable(tf.tensor1d(randn(rng, c)));
  const xt = tf.tensor4d(randn(rng, n * d), [n, 2, 4, 1]);
  const forward = (xi: tf.Tensor) => tf.add(tf.matMul(tf.reshape(xi, [xi.shape[0], d]), W), B) as tf.Tensor2D;
  const { value, grads } = tf.variableGrads(() => {
    const logits = forward(xt);
    const ctx = { params: { all: [W, B], kernels: [W] }, x: xt, forward, logits } as unknown as StepContext;
    return gcPenaltyTerm(1, jacobianStrategyFor('mlp')).value(ctx);
  }, [W, B]);
  const ref = w0.reduce((s, v) => s + v * v, 0);
  assert.ok(relDiff((await value.data())[0], ref) < 1e-5);
  (await grads[W.name].data()).forEach((g, k) => assert.ok(Math.abs(g - 2 * w0[k]) < 1e-5 * (1 + Math.abs(w0[k]))));
  assert.equal(grads[B.name], undefined, 'GC does not depend on the bias');
  tf.dispose([W, B, xt, value, ...Object.values(grads)]);
});

/** <r, op(t)> is linear in t, so its gradient g must satisfy <g, d> = <r, op(d)> for any d. */
async function checkAdjoint(op: (t: tf.Tensor) => tf.Tensor, t: tf.Tensor, rng: Rng): Promise<void> {
  const r = tf.tidy(() => tf.tensor(randn(rng, op(t).size), op(t).shape));
  const d = tf.tensor(randn(rng, t.size), t.shape);
  const outer = tf.tidy(() => {
    // Differentiate the gradient-producing op itself (second order), in direction d.
    const g = tf.grad((ti: tf.Tensor) => tf.sum(tf.mul(r, op(ti))))(t);
    return [tf.sum(tf.mul(g, d)), tf.sum(tf.mul(r, op(d)))];
  });
  const [lhs, rhs] = await Promise.all(outer.map(async (s) => (await s.data())[0]));
  assert.ok(Math.abs(lhs - rhs) < 1e-4 * (1 + Math.abs(rhs)), `${lhs} vs ${rhs}`);
  tf.dispose([r, d, ...outer]);
}

test('registered second-order gradients: Conv2DBackpropFilter and MaxPoolGrad are exact adjoints', async () => {
  await useBackend('cpu');
  registerSecondOrderGradients();
  const rng = new Rng(11);
  const x = tf.tensor4d(randn(rng, 2 * 6 * 6 * 3), [2, 6, 6, 3]);
  const dy = tf.tensor4d(randn(rng, 2 * 4 * 4 * 5), [2, 4, 4, 5]);
  const bpf = (xx: tf.Tensor, dd: tf.Tensor) =>
    tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xx, dy: dd }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 3, 5] }) as tf.Tensor;
  await checkAdjoint((t) => bpf(x, t), dy, rng);
  await checkAdjoint((t) => bpf(t, dy), x, rng);
  const inp = tf.tensor4d(randn(rng, 2 * 6 * 6 * 3), [2, 6, 6, 3]);
  const out = tf.maxPool(inp, 2, 2, 'valid');
  const mpg = (t: tf.Tensor) =>
    tf.engine().runKernel(tf.MaxPoolGrad, { dy: t, input: inp, output: out }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
  await checkAdjoint(mpg, tf.onesLike(out), rng);
  tf.dispose([x, dy, inp, out]);
});
