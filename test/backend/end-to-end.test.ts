import { test, before } from 'node:test';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';

before(setupBackends);

/** Training-mode batch norm over NHWC axes [0,1,2] as tfjs-layers does it (moments + batchNorm). */
function bn(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3) as tf.Tensor4D;
}

/**
 * Small residual conv model: conv 3x3 same (no bias, fused, linear) + BN + relu, a stride-2 conv
 * with a 1x1 stride-2 projection shortcut, global average pool, dense. x [N,9,9,2] -> logits [N,3].
 */
function convBnModel(p: tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const [w1, g1, b1, w2, g2, b2, wp, wd, bd] = p;
  const h = tf.relu(bn(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w1 as tf.Tensor4D, strides: 1, pad: 'same' }), g1, b1));
  const y = bn(tf.fused.conv2d({ x: h, filter: w2 as tf.Tensor4D, strides: 2, pad: 'same' }), g2, b2);
  const skip = tf.conv2d(h, wp as tf.Tensor4D, 2, 'same');
  const pooled = tf.mean(tf.relu(tf.add(y, skip)), [1, 2]);
  return tf.add(tf.matMul(pooled, wd), bd) as tf.Tensor2D;
}

function params(): tf.Tensor[] {
  const shapes = [[3, 3, 2, 4], [4], [4], [3, 3, 4, 5], [5], [5], [1, 1, 4, 5], [5, 3], [3]];
  return shapes.map((s, i) => tf.add(tf.mul(randn(s, 20 + i, 'p'), 0.5), s.length === 1 && i % 3 === 1 ? 1 : 0));
}

/**
 * Cross-entropy written as logits - logSumExp: core's softmaxCrossEntropy uses customGrad, whose
 * backward pass cannot be differentiated again. `shift` makes the labels differ per call site.
 */
function loss(logits: tf.Tensor, shift: number): tf.Scalar {
  const labels = tf.oneHot(tf.tensor1d([shift % 3, 2, 1], 'int32'), 3);
  return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.sub(logits, tf.logSumExp(logits, 1, true))), 1)));
}

test('conv+BN model: loss gradients w.r.t. weights and input match cpu', async () => {
  await assertMatchesCpu('conv+bn grads', () => {
    const x = randn([3, 9, 9, 2], 1, 'x');
    const p = params();
    const gw = tf.grads((...ps: tf.Tensor[]) => loss(convBnModel(ps, x), 2))(p);
    const gx = tf.grad((z: tf.Tensor) => loss(convBnModel(p, z), 2))(x);
    return [...gw, gx];
  });
});

test('second order: flatness penalty and GC penalty gradients match cpu (conv+BN, cnn with maxpool)', async () => {
  await assertMatchesCpu('grad of grad', () => {
    const x = randn([3, 9, 9, 2], 3, 'x');
    const p = params();
    // Flatness: ||grad_theta L||^2 differentiated w.r.t. theta.
    const flat = (...ps: tf.Tensor[]) => tf.addN(tf.grads((...qs: tf.Tensor[]) => loss(convBnModel(qs, x), 4))(ps).map((g) => tf.sum(tf.square(g))));
    const gFlat = tf.grads(flat)(p);
    // GC penalty: mean ||d logits / dx||^2 (via one random projection) differentiated w.r.t. theta.
    const r = randn([3, 3], 5, 'r');
    const gc = (...ps: tf.Tensor[]) => tf.sum(tf.square(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(convBnModel(ps, z), r)))(x)));
    // The dense bias cannot reach an input gradient, so it is left out (tf.grads would throw).
    const gGc = tf.grads((...ps: tf.Tensor[]) => gc(...ps, p[8]))(p.slice(0, 8));
    // Small CNN with max-pool: conv valid relu -> maxpool 2 -> dense.
    const xc = randn([2, 8, 8, 1], 6, 'xc');
    const wc = randn([3, 3, 1, 3], 7, 'wc');
    const wd = randn([27, 4], 8, 'wd');
    const cnn = (w: tf.Tensor, v: tf.Tensor, z: tf.Tensor) =>
      tf.matMul(tf.reshape(tf.maxPool(tf.relu(tf.conv2d(z as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')), 2, 2, 'valid'), [2, 27]), v);
    const flatCnn = (w: tf.Tensor, v: tf.Tensor) => tf.addN(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(cnn(a, b, xc))))([w, v]).map((g) => tf.sum(tf.square(g))));
    const gcCnn = (w: tf.Tensor, v: tf.Tensor) => tf.sum(tf.square(tf.grad((z: tf.Tensor) => tf.sum(cnn(w, v, z)))(xc)));
    return [...gFlat, ...gGc, ...tf.grads(flatCnn)([wc, wd]), ...tf.grads(gcCnn)([wc, wd])];
  }, 5e-4);
});
