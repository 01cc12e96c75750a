import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { crossEntropy } from '../../src/metrics/classification.js';
import { lossFn, meanSquaredError } from '../../src/metrics/loss.js';
import { flatnessTerm } from '../../src/regularizers/flatness.js';
import { gcPenaltyTerm } from '../../src/regularizers/gc-penalty.js';
import { registerSecondOrderGradients } from '../../src/regularizers/second-order.js';
import { weightDecayTerm } from '../../src/regularizers/weight-decay.js';
import { objective } from '../../src/train/objective.js';
import { relDiff, useBackend } from '../helpers/tf.js';
import { linearModel } from '../helpers/linear-model.js';


test('mse: (1/2C)·||z − onehot(y)||² averaged over examples, by hand; lossFn picks by name', async () => {
  await useBackend('cpu');
  const z = tf.tensor2d([[1, 0, 2], [0.5, -1, 0]]);
  const y = tf.tensor1d([2, 0], 'int32');
  const before = tf.memory().numTensors;
  const v = meanSquaredError(z, y);
  // example 0: (1, 0, 1)² sum 2; example 1: (−0.5, −1, 0)² sum 1.25; mean 1.625; × 1/(2·3)
  assert.ok(Math.abs((await v.data())[0] - 1.625 / 6) < 1e-7);
  v.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.equal(lossFn('mse'), meanSquaredError);
  assert.equal(lossFn('cross_entropy'), crossEntropy);
  tf.dispose([z, y]);
});

/**
 * The whole objective of an affine model z = xW + b in float64: MSE + λf·||∇_{W,b} MSE||² +
 * λg·GC (= ||W||_F², exact for an affine map) + (λw/2)·||W||².
 */
function objective64(x: number[], y: number[], w: number[], b: number[], n: number, d: number, c: number, lam: { f: number; g: number; w: number }): number {
  let loss = 0;
  const gw = new Float64Array(d * c);
  const gb = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let z = b[k];
      for (let j = 0; j < d; j++) z += x[i * d + j] * w[j * c + k];
      const r = z - (y[i] === k ? 1 : 0);
      loss += (r * r) / (2 * c * n);
      const dz = r / (c * n); // d loss / d z_ik
      gb[k] += dz;
      for (let j = 0; j < d; j++) gw[j * c + k] += x[i * d + j] * dz;
    }
  }
  const flat = [...gw, ...gb].reduce((s, v) => s + v * v, 0);
  const wsq = w.reduce((s, v) => s + v * v, 0);
  return loss + lam.f * flat + lam.g * wsq + (lam.w / 2) * wsq;
}

test('mse objective with flatness, GC and weight-decay penalties: value and gradient match float64 finite differences', async () => {
  await useBackend('cpu');
  registerSecondOrderGradients();
  const [n, d, c] = [5, 4, 3];
  const lam = { f: 0.7, g: 0.05, w: 0.3 };
  const { x, y, w0, b0, W, B, xt, yt, forward } = linearModel(11, n, d, c);
  const terms = [weightDecayTerm(lam.w, false), flatnessTerm(lam.f, meanSquaredError), gcPenaltyTerm(lam.g, 'replay')];
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const out = objective(terms, { params: { all: [W, B], kernels: [W] }, x: xt, y: yt }, forward, meanSquaredError);
    return out.total;
  }, [W, B]);
  const ref = objective64(x, y, w0, b0, n, d, c, lam);
  const got = (await value.data())[0];
  assert.ok(relDiff(got, ref) < 1e-4, `${got} vs ${ref}`);
  const h = 1e-5;
  const fd = (which: 'w' | 'b', k: number) => {
    const p = which === 'w' ? [...w0] : [...b0];
    const at = (delta: number) => {
      const q = [...p];
      q[k] += delta;
      return which === 'w' ? objective64(x, y, q, b0, n, d, c, lam) : objective64(x, y, w0, q, n, d, c, lam);
    };
    return (at(h) - at(-h)) / (2 * h);
  };
  const gW = await grads[W.name].data();
  const gB = await grads[B.name].data();
  const scale = Math.max(...Array.from(gW, Math.abs), ...Array.from(gB, Math.abs));
  gW.forEach((g, k) => assert.ok(Math.abs(g - fd('w', k)) < 1e-3 * scale, `dW[${k}] ${g} vs ${fd('w', k)}`));
  gB.forEach((g, k) => assert.ok(Math.abs(g - fd('b', k)) < 1e-3 * scale, `db[${k}] ${g} vs ${fd('b', k)}`));
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([W, B, xt, yt]);
});
