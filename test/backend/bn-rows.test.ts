// batchNormRows (backend/wasm/assembly/batch-norm.ts) on edge values: its floors take cheaper routes than
// f32x4.max, which must give max's exact results (signed zeros, NaN, infinities).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { setupBackends } from '../helpers/compare.js';
import { simd, ptr } from '../../src/backend/simd.js';

before(setupBackends);

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
type Rows = (m: number, c: number, x: number, mean: number, mul: number, offset: number, floor: number, out: number) => void;

test('batchNormRows: floors 0, -Infinity, -0 and 0.5 give f32 max((x - mean) * mul + offset, floor) exactly, -0 and NaN included', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const rows = simd(backend).batchNormRows as Rows;
  const c = 7; // one 4-channel vector and a scalar tail
  const edges = [-0, 0, NaN, Infinity, -Infinity, 1.5, -2.25, 1e-40, -1e-40];
  const m = edges.length;
  const xs = Array.from({ length: m * c }, (_, i) => edges[((i % c) + (i / c | 0)) % m]); // every edge in every channel
  // Channel 0 and 4: -0 - 0 = -0, * 1 = -0, + -0 = -0 (max with +0 must give +0, the identity -0).
  const mean = [0, 0.5, -1, 2, 0, 0.25, -0], mul = [1, -1, 2, 0.5, 1, -3, 1], off = [-0, 0.5, -0.25, 1, -0, 0, 2];
  for (const floor of [0, -Infinity, -0, 0.5]) {
    const x = tf.tensor(xs), mu = tf.tensor(mean), u = tf.tensor(mul), f = tf.tensor(off), y = tf.zeros([m * c]);
    rows(m, c, ptr(backend, x), ptr(backend, mu), ptr(backend, u), ptr(backend, f), floor, ptr(backend, y));
    const got = y.dataSync();
    const r = Math.fround;
    for (let i = 0; i < m * c; i++) {
      const k = i % c;
      const v = r(r(r(r(xs[i]) - r(mean[k])) * r(mul[k])) + r(off[k]));
      // f32.max: NaN if either is NaN, +0 over -0.
      const want = Number.isNaN(v) ? NaN : v === 0 && floor === 0 ? (Object.is(v, -0) && Object.is(floor, -0) ? -0 : 0) : Math.max(v, floor);
      assert.ok(Object.is(got[i], want), `floor ${floor}, row ${i / c | 0}, channel ${k}: got ${show(got[i])}, want ${show(want)}`);
    }
    tf.dispose([x, mu, u, f, y]);
  }
});
