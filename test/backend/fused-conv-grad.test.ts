import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { stockFusedConv2d } from '../../src/backend/ops/fused-conv-grad.js';

before(setupBackends);

// [N,H,W,Ci], [KH,KW,Co], stride, pad, bias shape (null = none).
const CASES: [number[], number[], number, 'valid' | 'same', number[] | null][] = [
  [[2, 7, 9, 3], [3, 3, 4], 1, 'valid', null],
  [[3, 8, 6, 2], [3, 3, 5], 1, 'same', [5]],
  [[2, 9, 7, 3], [3, 3, 4], 2, 'same', [4]],
  [[2, 6, 9, 2], [3, 3, 3], 2, 'valid', [3]],
  [[2, 8, 7, 4], [1, 1, 6], 2, 'same', null],
];

for (const [xs, [kh, kw, co], s, pad, bs] of CASES) {
  const label = `x=${xs} k=${kh}x${kw}x${co} s=${s} ${pad} bias=${bs === null ? 'none' : `[${bs}]`}`;
  const inputs = () => {
    const x = randn(xs, 1, 'x') as tf.Tensor4D;
    const w = randn([kh, kw, xs[3], co], 2, 'w') as tf.Tensor4D;
    const b = bs === null ? undefined : randn(bs, 3, 'b');
    return { x, w, b };
  };
  test(`linear fused conv2d: value and x/filter/bias gradients match cpu unfused ops (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const { x, w, b } = inputs();
      // cpu: plain conv2d + add; wasm: the fused op (ours under a tape).
      const onCpu = tf.getBackend() === 'cpu';
      const conv = (a: tf.Tensor, f: tf.Tensor, c?: tf.Tensor) =>
        onCpu ? (c ? tf.add(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, pad), c) : tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, pad))
          : tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides: s, pad, bias: c });
      const y = conv(x, w, b);
      const r = randn(y.shape, 4, 'r');
      const vars = b ? [x, w, b] : [x, w];
      const g = tf.grads((...v: tf.Tensor[]) => tf.sum(tf.mul(conv(v[0], v[1], v[2]), r)))(vars);
      // Second order (the explicit GC penalty): d/dw of ||d<conv, r>/dx||^2.
      const gc = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a, f, b), r)))(x))))(w);
      return [y, ...g, gc];
    });
  });

  test(`linear fused conv2d is bit-identical to tfjs-core's op on wasm (${label})`, async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { x, w, b } = inputs();
      const r = randn(tf.fused.conv2d({ x, filter: w, strides: s, pad, bias: b }).shape, 4, 'r');
      const run = (op: typeof tf.fused.conv2d) => {
        const vars = b ? [x, w, b] : [x, w];
        const f = (...v: tf.Tensor[]) => tf.sum(tf.mul(op({ x: v[0] as tf.Tensor4D, filter: v[1] as tf.Tensor4D, strides: s, pad, bias: v[2] }), r));
        return [op({ x, filter: w, strides: s, pad, bias: b }), ...tf.grads(f)(vars)];
      };
      const ours = run(tf.fused.conv2d);
      const stock = run(stockFusedConv2d());
      assert.notEqual(tf.fused.conv2d, stockFusedConv2d());
      for (let i = 0; i < ours.length; i++) assert.deepEqual(ours[i].dataSync(), stock[i].dataSync(), `output ${i}`);
    });
    assert.equal(tf.memory().numTensors, before);
  });
}

test('input-only gradient of a linear fused conv runs no filter-gradient kernel', async () => {
  await tf.setBackend('wasm');
  const x = randn([2, 6, 6, 3], 5, 'x') as tf.Tensor4D;
  const w = randn([3, 3, 3, 4], 6, 'w') as tf.Tensor4D;
  const kernelsOf = async (wrt: 'x' | 'w') => {
    const prof = await tf.profile(() => {
      const f = (v: tf.Tensor) => tf.sum(tf.fused.conv2d({ x: wrt === 'x' ? (v as tf.Tensor4D) : x, filter: wrt === 'w' ? (v as tf.Tensor4D) : w, strides: 1, pad: 'same' }));
      return tf.grad(f)(wrt === 'x' ? x : w);
    });
    return new Set(prof.kernelNames);
  };
  const xOnly = await kernelsOf('x');
  assert.ok(xOnly.has('Conv2DBackpropInput') && !xOnly.has('Conv2DBackpropFilter'), [...xOnly].join(','));
  const wOnly = await kernelsOf('w');
  assert.ok(wOnly.has('Conv2DBackpropFilter') && !wOnly.has('Conv2DBackpropInput'), [...wOnly].join(','));
  tf.dispose([x, w]);
});

test('non-linear or unusual fused convs keep the stock op (relu activation, PReLU)', async () => {
  await assertMatchesCpu('fused relu / prelu', () => {
    const x = randn([2, 5, 6, 2], 7, 'x') as tf.Tensor4D;
    const w = randn([3, 3, 2, 3], 8, 'w') as tf.Tensor4D;
    const b = randn([3], 9, 'b');
    const alpha = randn([3], 10, 'a');
    const relu = (v: tf.Tensor) => tf.fused.conv2d({ x: v as tf.Tensor4D, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' });
    const prelu = (v: tf.Tensor) => tf.fused.conv2d({ x: v as tf.Tensor4D, filter: w, strides: 2, pad: 'valid', activation: 'prelu', preluActivationWeights: alpha });
    return [relu(x), tf.grad((v: tf.Tensor) => tf.sum(relu(v)))(x), prelu(x), tf.grad((v: tf.Tensor) => tf.sum(prelu(v)))(x)];
  });
});
