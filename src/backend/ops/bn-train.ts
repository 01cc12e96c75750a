/**
 * Training-mode batch normalisation over every axis but the last (NHWC [..., C], per-channel
 * gamma/beta [C]), as tf.layers.batchNormalization computes it (tf.moments, then tf.batchNorm),
 * in fewer full-size passes:
 *   forward  (GcBatchNormTrain): one moments pass + one normalise pass;
 *   backward (its gradient):     one pass for
 *     S1 = sum(dy), S2 = sum(dy * (x - mean)) (GcBnGradSums, bn-fused.ts) and one pass writing
 *     dx = dy*A + x*B + T (GcChannelAffine) with per-channel
 *     A = gamma*r, B = -gamma*r^3*S2/n + 2*dvar/n, T = -gamma*r*S1/n + dmean/n - mean*B,
 *     r = 1/sqrt(var + eps), i.e. gamma*r*(dy - S1/n - xhat*S2'/n) plus the paths through the
 *     mean and variance outputs (the moving-average update never reaches the loss; second-order
 *     penalties may).
 * Every kernel used in that gradient has a gradient of its own, built from tf ops, so second
 * derivatives (flatness, explicit GC penalties) are correct. tfjs records the copy of a saved
 * output before the op itself, so a gradient reading saved outputs is cut off from x at second
 * order (see src/regularizers/second-order.ts): when the backward pass is itself recorded (an
 * outer tape is on), the gradient recomputes the statistics from x with the differentiable
 * GcBnMoments; otherwise (plain training steps) it reads the saved mean and variance outputs,
 * the same values, and saves that pass.
 * With `relu` set, y = relu(bn(x)) is written by the normalise pass, and the backward masks dy
 * with y > 0 (y > 0 exactly where bn(x) > 0; tfjs's Relu gradient is dy * step(x)) as it reads
 * it, in the sums pass (GcBnReluGradSums) and the dx pass (GcChannelAffineRelu), recomputing the
 * mask from x, mean, variance, gamma, beta exactly as the forward computed y: no separate
 * Relu / relu-gradient passes. Recorded backward passes (second order) mask with
 * mul(dy, step(y)) instead, differentiable (step's gradient is zero) and cut off from x as the
 * mask's true derivative is, then take the path above.
 * Where the current backend lacks the kernels (cpu, tensorflow) or the layout is not handled,
 * the ops compute the same values from tfjs-core ops (tf.moments + tf.batchNorm).
 */
import * as tf from '#tf';
import { bnGradSums } from './bn-fused.js';
import { BN_MOMENTS, BN_RELU_GRAD_SUMS, BN_TRAIN, CHANNEL_AFFINE, CHANNEL_AFFINE_RELU } from '../kernel-names.js';
import { hasKernel, outerTapeRecording } from '../kernel-call.js';

const leading = (x: tf.Tensor) => x.shape.slice(0, -1).map((_, i) => i);
const channels = (x: tf.Tensor) => x.shape[x.rank - 1];
const isVec = (t: tf.Tensor | null | undefined, c: number) => t != null && t.dtype === 'float32' && t.rank === 1 && t.shape[0] === c;
/** float32 [..., C] with C > 0 and at least one row. */
const handled = (x: tf.Tensor) => x.dtype === 'float32' && x.rank >= 2 && channels(x) > 0 && x.size > 0;

/** Result of batchNormTrain: normalised y [..., C]; batch mean and biased variance [C]. */
export interface BatchNormTrainResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm of x [..., C] with per-channel gamma, beta [C]:
 * y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, mean and biased variance over all
 * axes but the last; y = relu(...) of that when `relu`. Same values (and gradients) as
 * tf.moments + tf.batchNorm (+ tf.relu).
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, relu = false): BatchNormTrainResult {
  const c = channels(x);
  if (hasKernel(BN_TRAIN) && handled(x) && isVec(gamma, c) && isVec(beta, c)) {
    const attrs = { epsilon, relu } as unknown as tf.NamedAttrMap;
    const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN, { x, gamma, beta }, attrs) as tf.Tensor[];
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const { mean, variance } = tf.moments(x, leading(x));
  const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  return { y: relu ? tf.relu(y) : y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** [mean; biased variance] of x [..., C] over all axes but the last, as [2, C]. */
export function bnMoments(x: tf.Tensor): tf.Tensor2D {
  if (hasKernel(BN_MOMENTS) && handled(x)) return tf.engine().runKernel(BN_MOMENTS, { x }) as tf.Tensor2D;
  const { mean, variance } = tf.moments(x, leading(x));
  return tf.stack([mean, variance]) as tf.Tensor2D;
}

/** p*a + q*b + t for p, q [..., C] of one shape and a, b, t [C]. */
export function channelAffine(p: tf.Tensor, a: tf.Tensor, q: tf.Tensor, b: tf.Tensor, t: tf.Tensor): tf.Tensor {
  const c = channels(p);
  const fast = hasKernel(CHANNEL_AFFINE) && handled(p) && isVec(a, c) && isVec(t, c) && isVec(b, c)
    && q.dtype === 'float32' && tf.util.arraysEqual(q.shape, p.shape);
  if (fast) return tf.engine().runKernel(CHANNEL_AFFINE, { p, a, q, b, t }) as tf.Tensor;
  return tf.add(tf.add(tf.mul(p, a), tf.mul(q, b)), t);
}

const row = (m: tf.Tensor, i: number) => tf.reshape(tf.slice(m, [i, 0], [1, -1]), [-1]);

/** Gradient of GcBatchNormTrain (module doc). dys = [dy, dmean, dvariance]. */
const bnTrainGrad: tf.GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ['x', 'gamma', 'beta'],
  // y only for the relu mask of recorded backward passes (storage shared, no copy).
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, beta, y, savedMean, savedVar] = saved;
    const [dyIn, dmean, dvar] = dys as tf.Tensor[];
    const { epsilon: eps, relu } = attrs as unknown as { epsilon: number; relu?: boolean };
    const n = x.size / channels(x);
    const rec = outerTapeRecording();
    // Relu mask folded into the two passes (plain backward), or applied first (recorded).
    const fusedMask = Boolean(relu) && !rec && hasKernel(BN_RELU_GRAD_SUMS) && hasKernel(CHANNEL_AFFINE_RELU)
      && dyIn.dtype === 'float32' && tf.util.arraysEqual(dyIn.shape, x.shape);
    const dy = relu && !fusedMask ? tf.mul(dyIn, tf.step(y)) : dyIn;
    // [C]-sized terms, shared by the thunks (freed with the backward pass's scope).
    const st = rec ? bnMoments(x) : null;
    const mean = st ? row(st, 0) : savedMean;
    const r = tf.rsqrt(tf.add(st ? row(st, 1) : savedVar, tf.scalar(eps)));
    // What the masked kernels need to recompute the forward's mask from x (not y: one read fewer).
    const stats = { mean: savedMean, variance: savedVar, gamma, beta };
    const sums = fusedMask
      ? tf.engine().runKernel(BN_RELU_GRAD_SUMS, { dy, x, ...stats }, { epsilon: eps }) as tf.Tensor
      : bnGradSums(dy, x, mean);
    const s1 = row(sums, 0);
    const s2 = row(sums, 1);
    return {
      x: () => {
        const a = tf.mul(gamma, r);
        let b = tf.mul(tf.mul(a, tf.square(r)), tf.mul(s2, -1 / n));
        let t = tf.mul(a, tf.mul(s1, -1 / n));
        if (dvar != null) b = tf.add(b, tf.mul(dvar, 2 / n));
        if (dmean != null) t = tf.add(t, tf.div(dmean, n));
        t = tf.sub(t, tf.mul(mean, b));
        if (fusedMask) return tf.engine().runKernel(CHANNEL_AFFINE_RELU, { p: dy, a, q: x, b, t, ...stats }, { epsilon: eps }) as tf.Tensor;
        return channelAffine(dy, a, x, b, t);
      },
      gamma: () => tf.mul(s2, r),
      // A new tensor (shares storage): the tape may dispose what a thunk returns.
      beta: () => tf.clone(s1),
    };
  },
};

/** Gradient of GcBnMoments: dx = g_mean/n + (2/n) g_var (x - mean), mean recomputed differentiably. */
const bnMomentsGrad: tf.GradConfig = {
  kernelName: BN_MOMENTS,
  inputsToSave: ['x'],
  gradFunc: (g, saved) => {
    const [x] = saved;
    const n = x.size / channels(x);
    return {
      x: () => {
        const gm = row(g as tf.Tensor, 0);
        const b = tf.mul(row(g as tf.Tensor, 1), 2 / n);
        const mean = tf.mean(x, leading(x));
        // x*b + (gm/n - mean*b); the second input slot (required by the kernel) carries x*0.
        return channelAffine(x, b, x, tf.zerosLike(b), tf.sub(tf.div(gm, n), tf.mul(mean, b)));
      },
    };
  },
};

/** Gradient of GcChannelAffine (linear in each input). */
const channelAffineGrad: tf.GradConfig = {
  kernelName: CHANNEL_AFFINE,
  inputsToSave: ['p', 'a', 'q', 'b'],
  gradFunc: (g, saved) => {
    const [p, a, q, b] = saved;
    const dy = g as tf.Tensor;
    const axes = leading(dy);
    return {
      p: () => tf.mul(dy, a),
      a: () => tf.sum(tf.mul(dy, p), axes),
      q: () => tf.mul(dy, b),
      b: () => tf.sum(tf.mul(dy, q), axes),
      t: () => tf.sum(dy, axes),
    };
  },
};

let installed = false;

/** Registers the three gradients above (once); returns the names registered on this call. */
export function installBnTrainGradients(): string[] {
  if (installed) return [];
  installed = true;
  for (const cfg of [bnTrainGrad, bnMomentsGrad, channelAffineGrad]) tf.registerGradient(cfg);
  return [`grad:${BN_TRAIN}`, `grad:${BN_MOMENTS}`, `grad:${CHANNEL_AFFINE}`];
}
