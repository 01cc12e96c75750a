/**
 * Max-pool inputs with exact ties and their Jacobians computed by hand (the first maximum of
 * each window in row-major order takes the gradient), for the tie tests of every backend.
 */
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { jacobianSqNorms, type JacobianStrategy } from '../../src/metrics/gc.js';

export interface PoolCase {
  name: string;
  shape: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'valid' | 'same';
}

/** 2x2 stride 2 (the CNNs' pool; odd width leaves a column no window covers) and an overlapping 3x3 stride 2 'same'. */
export const POOL_CASES: PoolCase[] = [
  { name: '2x2 s2 valid', shape: [2, 4, 5, 2], filter: 2, stride: 2, pad: 'valid' },
  { name: '3x3 s2 same', shape: [1, 5, 5, 2], filter: 3, stride: 2, pad: 'same' },
];

/** Values in {0, 1, 2} (and an all-negative plane): most windows hold a tied maximum. */
export function tiedInput(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? -1 : [1, 1, 0, 2, 1, 0, 1, 1, 2][(i * 5 + Math.floor(i / 3)) % 9]) - (i % 2 === 1 && i % 11 === 5 ? 3 : 0));
}

/** For each output element (NHWC flat), the flat index of its window's first maximum, by a plain loop. */
export function firstArgmax(x: Float32Array, c: PoolCase): { out: [number, number, number, number]; arg: number[] } {
  const [n, h, w, ch] = c.shape;
  const out = (d: number) => (c.pad === 'valid' ? Math.floor((d - c.filter) / c.stride) + 1 : Math.ceil(d / c.stride));
  const oh = out(h), ow = out(w);
  // tfjs 'same': total padding max((o-1)·s + f - d, 0), the smaller half on top/left.
  const padTotal = (o: number, d: number) => Math.max((o - 1) * c.stride + c.filter - d, 0);
  const pt = c.pad === 'same' ? Math.floor(padTotal(oh, h) / 2) : 0;
  const pl = c.pad === 'same' ? Math.floor(padTotal(ow, w) / 2) : 0;
  const arg: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let d = 0; d < ch; d++) {
    let best = -Infinity, at = -1;
    for (let r = i * c.stride - pt; r < i * c.stride - pt + c.filter; r++) for (let q = j * c.stride - pl; q < j * c.stride - pl + c.filter; q++) {
      if (r < 0 || r >= h || q < 0 || q >= w) continue;
      const idx = ((b * h + r) * w + q) * ch + d;
      if (at < 0 || x[idx] > best) { best = x[idx]; at = idx; }
    }
    arg.push(at);
  }
  return { out: [n, oh, ow, ch], arg };
}

/** Per-output weights of the readout f(x) = Σ_o v_o · maxpool(x)_o (never 0, all distinct). */
export const readout = (k: number) => Float32Array.from({ length: k }, (_, i) => 0.5 + ((i * 7) % 13) / 4);

/** Per-example readout matrix [P, classes] of f(x)_k = Σ_o W[o,k] maxpool(x)_o. */
export const classWeights = (per: number, classes: number) => Float32Array.from({ length: per * classes }, (_, i) => ((i * 5) % 9) / 3 - 1.2);

/**
 * Checks the backend's max-pool gradient and GC against the hand-computed ones: tf.grad of the
 * readout (MaxPoolGrad), maxPoolWithArgmax indexes, and GC of x ↦ W·flatten(maxpool(x)) by every
 * Jacobian strategy. Exact comparisons up to float32 rounding of sums of a few products.
 */
export async function checkTies(label: string, strategies: JacobianStrategy[] = ['replay', 'replicate', 'stacked']): Promise<void> {
  for (const c of POOL_CASES) {
    const xv = tiedInput(c.shape);
    const { out, arg } = firstArgmax(xv, c);
    const windows = arg.length;
    const x = tf.tensor4d(xv, c.shape);
    const v = readout(windows);
    // dx by hand: each window's weight at its first maximum.
    const want = new Float64Array(xv.length);
    arg.forEach((i, o) => (want[i] += v[o]));
    const ties = arg.filter((i, o) => {
      const m = xv[i];
      return [...Array(xv.length).keys()].some((j) => j !== i && xv[j] === m && windowOf(c, j, o, out));
    }).length;
    assert.ok(ties >= 4, `${c.name}: the constructed input has tied windows (${ties})`);
    const vt = tf.tensor4d(v, out);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.filter, c.stride, c.pad), vt)))(x);
    const got = await g.data();
    got.forEach((val, i) => assert.ok(Math.abs(val - want[i]) <= 1e-6 * (1 + Math.abs(want[i])), `${label} ${c.name}: dx[${i}] = ${val}, by hand ${want[i]}`));
    const r = tf.maxPoolWithArgmax(x, c.filter, c.stride, c.pad, true);
    assert.deepEqual([...(await r.indexes.data())], arg, `${label} ${c.name}: maxPoolWithArgmax indexes are the first maxima`);
    // GC of x ↦ W·flatten(maxpool(x)): J[k, i] = Σ_{windows o of the example with first max i} W[o, k].
    const classes = 3;
    const per = windows / c.shape[0];
    const wv = classWeights(per, classes);
    const W = tf.tensor2d(wv, [per, classes]);
    const f = (t: tf.Tensor) => tf.matMul(tf.reshape(tf.maxPool(t as tf.Tensor4D, c.filter, c.stride, c.pad), [t.shape[0], per]), W) as tf.Tensor2D;
    const perEx = xv.length / c.shape[0];
    const gcWant = Array.from({ length: c.shape[0] }, (_, b) => {
      const J = new Float64Array(classes * perEx);
      for (let o = b * per; o < (b + 1) * per; o++) for (let k = 0; k < classes; k++) J[k * perEx + (arg[o] - b * perEx)] += wv[(o - b * per) * classes + k];
      return J.reduce((s, q) => s + q * q, 0);
    });
    for (const s of strategies) {
      const t = jacobianSqNorms(f, x, classes, s);
      const norms = await t.data();
      t.dispose();
      norms.forEach((val, b) => assert.ok(Math.abs(val - gcWant[b]) <= 1e-5 * gcWant[b], `${label} ${c.name} ${s}: GC[${b}] = ${val}, by hand ${gcWant[b]}`));
    }
    tf.dispose([x, vt, g, r.result, r.indexes, W]);
  }
}

/** Whether input index j lies in output window o. */
function windowOf(c: PoolCase, j: number, o: number, out: number[]): boolean {
  const [, h, w, ch] = c.shape;
  const d = j % ch, q = Math.floor(j / ch) % w, r = Math.floor(j / (ch * w)) % h, b = Math.floor(j / (ch * w * h));
  const od = o % ch, oj = Math.floor(o / ch) % out[2], oi = Math.floor(o / (ch * out[2])) % out[1], ob = Math.floor(o / (ch * out[2] * out[1]));
  if (d !== od || b !== ob) return false;
  const pt = c.pad === 'same' ? Math.floor(Math.max((out[1] - 1) * c.stride + c.filter - h, 0) / 2) : 0;
  const pl = c.pad === 'same' ? Math.floor(Math.max((out[2] - 1) * c.stride + c.filter - w, 0) / 2) : 0;
  return r >= oi * c.stride - pt && r < oi * c.stride - pt + c.filter && q >= oj * c.stride - pl && q < oj * c.stride - pl + c.filter;
}
