/**
 * Our SIMD elementwise, cast/identity, batch-norm and reduction kernels against the cpu backend:
 * odd lengths (not multiples of 4 or 8), every broadcast layout of the fast paths, layouts and
 * dtypes that must go to the stock kernels, and no leaks.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { rowBroadcast } from '../../src/backend/wasm/elementwise.js';
import { axisRun } from '../../src/backend/wasm/reduce.js';

test.before(setupBackends);

const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div],
  ['squaredDifference', tf.squaredDifference], ['maximum', tf.maximum], ['minimum', tf.minimum],
];

/** [a shape, b shape] pairs: same shape, scalars, row broadcasts, and stock-only layouts. */
const PAIRS: [number[], number[]][] = [
  [[3, 5, 7, 9], [3, 5, 7, 9]], // same shape, odd size
  [[37], [37]],
  [[2, 3, 5, 7], []], // scalar b
  [[], [2, 3, 5, 7]], // scalar a
  [[2, 3, 5, 7], [1]],
  [[4, 5, 3, 13], [13]], // per-channel, odd C
  [[13], [4, 5, 3, 13]],
  [[1, 1, 1, 16], [4, 5, 3, 16]],
  [[4, 5, 3, 16], [4, 1, 1, 16]], // per-example per-channel
  [[4, 1, 1, 6], [4, 5, 3, 6]],
  [[4, 5, 3, 6], [4, 1, 1, 1]], // per-example scalar (c = 1)
  [[4, 5, 1, 7], [4, 5, 3, 7]], // broadcast over one middle axis
  [[1, 5, 1, 7], [4, 5, 3, 7]], // interleaved broadcast: stock
  [[6, 1], [1, 7]], // both broadcast: stock
  [[4, 5, 3, 6], [4, 5, 3, 1]], // trailing broadcast: row op with c = 1 per block
];

test('rowBroadcast and axisRun recognise only the fast-path layouts', () => {
  assert.deepEqual(rowBroadcast([64], [128, 32, 32, 64]), [1, 128 * 32 * 32, 64]);
  assert.deepEqual(rowBroadcast([128, 1, 1, 64], [128, 32, 32, 64]), [128, 1024, 64]);
  assert.deepEqual(rowBroadcast([128, 1, 1, 1], [128, 32, 32, 64]), [128, 32 * 32 * 64, 1]);
  assert.equal(rowBroadcast([1, 32, 1, 64], [128, 32, 32, 64]), null);
  assert.deepEqual(axisRun([0, 1, 2], 4), [0, 3]);
  assert.deepEqual(axisRun([-3, -2], 4), [1, 3]);
  assert.equal(axisRun([0, 2], 4), null);
  assert.equal(axisRun([3], 4), null);
});

test('binary ops match cpu on same-shape, scalar and broadcast layouts', async () => {
  for (const [name, op] of BINARY) {
    for (const [i, [sa, sb]] of PAIRS.entries()) {
      await assertMatchesCpu(`${name} ${sa} ${sb}`, () => {
        const a = randn(sa, i, 'a');
        // Divisors away from zero: a quotient by ~0 makes the relative comparison meaningless.
        const b = name === 'div' ? tf.add(tf.abs(randn(sb, i, 'b')), 0.5) : randn(sb, i, 'b');
        return op(a, b);
      }, 1e-5);
    }
  }
});

test('binary ops on int32 and mixed shapes go to the stock kernels', async () => {
  for (const [name, op] of BINARY) {
    await assertMatchesCpu(`${name} int32`, () => {
      const a = tf.tensor([1, -2, 3, 40, 5, -6, 7], [7], 'int32');
      const b = tf.tensor([3, 2, -1, 4, 5, 6, 2], [7], 'int32');
      return tf.cast(op(a, b), 'float32');
    });
    await assertMatchesCpu(`${name} int32 broadcast`, () => tf.cast(op(tf.tensor([[1], [2]], [2, 1], 'int32'), tf.tensor([3, 4, 5], [3], 'int32')), 'float32'));
  }
});

test('unary ops match cpu (odd lengths), NaN and edge semantics', async () => {
  const shape = [3, 5, 7, 3];
  const cases: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['relu', tf.relu], ['step', (x) => tf.step(x)], ['step alpha', (x) => tf.step(x, 0.25)], ['square', tf.square],
    ['neg', tf.neg], ['sqrt', (x) => tf.sqrt(tf.abs(x))], ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1))],
    ['abs', tf.abs], ['reciprocal', (x) => tf.reciprocal(tf.add(tf.abs(x), 0.1))],
  ];
  for (const [name, f] of cases) {
    await assertMatchesCpu(name, () => f(randn(shape, 3, name)), 1e-6);
  }
  // int32 inputs (where the op accepts them) go to the stock kernels.
  for (const f of [tf.relu, tf.step, tf.square, tf.neg, tf.abs]) {
    await assertMatchesCpu(`${f.name} int32`, () => tf.cast(f(tf.tensor([-3, 0, 2, 5, -1], [5], 'int32')), 'float32'), 1e-6);
  }
  // NaN passes through relu and step (as the cpu backend), checked exactly.
  const edge = [NaN, -1, 0, 2, -0.5, NaN, 3, -2, 1];
  for (const [name, f] of [['relu', tf.relu], ['step', (x: tf.Tensor) => tf.step(x, 0.5)]] as const) {
    await tf.setBackend('cpu');
    const want = Array.from(f(tf.tensor(edge)).dataSync());
    await tf.setBackend('wasm');
    assert.deepEqual(Array.from(f(tf.tensor(edge)).dataSync()), want, name);
  }
});

test('Cast and Identity: shared storage for same dtype, SIMD bool/int32 to float32', async () => {
  await assertMatchesCpu('cast bool', () => tf.cast(tf.greater(randn([3, 7, 5], 1, 'c'), 0), 'float32'));
  await assertMatchesCpu('cast int32', () => tf.cast(tf.tensor(Int32Array.from({ length: 43 }, (_, i) => (i * 7919) % 201 - 100), [43], 'int32'), 'float32'));
  await assertMatchesCpu('cast float->int (stock)', () => tf.cast(tf.cast(tf.mul(randn([19], 2, 'c'), 10), 'int32'), 'float32'));
  await assertMatchesCpu('cast float->float', () => tf.cast(randn([19], 2, 'c'), 'float32'));
  await assertMatchesCpu('clone', () => tf.clone(randn([5, 3], 4, 'i')));
  // A clone outlives its source, and a variable initialised from a clone keeps its value after assign.
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const x = tf.tensor([1, 2, 3]);
  const y = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  const v = tf.variable(y);
  const w = tf.tensor([4, 5, 6]);
  v.assign(w);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  assert.deepEqual(Array.from(v.dataSync()), [4, 5, 6]);
  tf.dispose([y, v, w]);
  assert.equal(tf.memory().numTensors, before);
});

test('FusedBatchNorm matches cpu with [C] and [1,1,1,C] parameters, with and without scale/offset', async () => {
  for (const c of [13, 16]) {
    const x = () => tf.add(randn([3, 5, 7, c], c, 'x'), 3);
    const p = (label: string, shape = [c]) => randn(shape, c, label);
    const v = (shape = [c]) => tf.add(tf.abs(p('v', shape)), 0.2);
    await assertMatchesCpu(`bn C=${c}`, () => tf.batchNorm(x(), p('m'), v(), p('o'), p('s'), 1e-3), 1e-5);
    await assertMatchesCpu(`bn 4d params C=${c}`, () => tf.batchNorm(x(), p('m', [1, 1, 1, c]), v([1, 1, 1, c]), p('o', [1, 1, 1, c]), p('s', [1, 1, 1, c]), 1e-3), 1e-5);
    await assertMatchesCpu(`bn no scale/offset C=${c}`, () => tf.batchNorm(x(), p('m'), v(), undefined, undefined, 1e-3), 1e-5);
    await assertMatchesCpu(`bn 2d C=${c}`, () => tf.batchNorm(randn([11, c], 1, 'x2'), p('m'), v(), p('o'), p('s'), 1e-3), 1e-5);
  }
});

test('Sum and Mean over contiguous middle/leading axes match cpu', async () => {
  const x = () => randn([5, 7, 6, 33], 9, 'x');
  const cases: [string, (t: tf.Tensor) => tf.Tensor][] = [
    ['sum 012', (t) => tf.sum(t, [0, 1, 2])], ['mean 012 keep', (t) => tf.mean(t, [0, 1, 2], true)],
    ['mean 12', (t) => tf.mean(t, [1, 2])], ['sum 12 keep', (t) => tf.sum(t, [1, 2], true)],
    ['sum 1', (t) => tf.sum(t, 1)], ['mean 0', (t) => tf.mean(t, 0)],
    ['sum big m', (t) => tf.sum(tf.reshape(t, [210, 33]), 0)], ['mean last (stock)', (t) => tf.mean(t, -1)],
    ['sum all (stock)', (t) => tf.sum(t)], ['sum 0,2 (stock)', (t) => tf.sum(t, [0, 2])],
  ];
  for (const [name, f] of cases) await assertMatchesCpu(name, () => f(x()), 1e-5);
  await assertMatchesCpu('int sum (stock)', () => tf.cast(tf.sum(tf.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], [2, 5], 'int32'), 0), 'float32'));
});

test('Tile: block repeats and broadcast-only tiles match cpu (float32, int32, bool)', async () => {
  const cases: [number[], number[]][] = [
    [[1, 1, 1, 7], [3, 5, 2, 1]], // block repeat
    [[4, 1, 1, 7], [1, 5, 3, 1]], // per-example broadcast
    [[4, 1, 1, 1], [1, 5, 3, 6]],
    [[4, 5, 1, 7], [1, 1, 3, 1]],
    [[1, 5, 1, 7], [4, 1, 3, 1]], // interleaved: stock
    [[2, 3], [2, 2]], // true tiling: stock
  ];
  for (const [shape, reps] of cases) {
    await assertMatchesCpu(`tile ${shape} ${reps}`, () => tf.tile(randn(shape, 1, 't'), reps));
    await assertMatchesCpu(`tile int32 ${shape} ${reps}`, () => tf.cast(tf.tile(tf.cast(tf.mul(randn(shape, 1, 't'), 9), 'int32'), reps), 'float32'));
    await assertMatchesCpu(`tile bool ${shape} ${reps}`, () => tf.cast(tf.tile(tf.greater(randn(shape, 1, 't'), 0), reps), 'float32'));
  }
});
