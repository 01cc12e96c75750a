/**
 * Cheaper gradients for FusedBatchNorm and Mean, the backward pass of tf.layers.batchNormalization
 * in training mode (moments -> batchNorm). Backend-independent (tf.registerGradient is global) and
 * built from ordinary differentiable ops, so they are correct on every backend and stay
 * differentiable for second-order penalties.
 *
 * tfjs-core's FusedBatchNorm gradient builds every per-channel term at full activation size
 * (about 9 full-size multiplies, a Tile and 4 reductions per layer). With per-channel ([C])
 * mean, variance and scale, each term factors into a per-channel vector times a reduction:
 *   rs = 1/sqrt(var + eps), S1 = sum(dy), S2 = sum(dy * (x - mean))   (sums over N,H,W, one fused pass)
 *   dx = dy * (rs*scale); dmean = -rs*scale*S1; dvar = -0.5*rs^3*scale*S2; dscale = rs*S2; doffset = S1
 * S1 and S2 are computed once per call ([C]-sized, freed with the backward pass's scope); each
 * thunk computes its own full-size terms in its own tidy.
 * Other layouts (non-[C] parameters, no scale) use the original gradient.
 *
 * tfjs-core's Mean gradient is div(mul(dy, ones(x.shape)), n): three full-size buffers (Fill,
 * Multiply, RealDiv). broadcastTo(dy / n) gives the same values (dy*1 is exact) with one.
 */
import * as tf from '#tf';
import { bnGradSums } from './bn-fused.js';

const originals = new Map<string, tf.GradConfig>();

/** The gradient config registered for `name` before ours (for tests and fallbacks). */
export function originalGradient(name: 'FusedBatchNorm' | 'Mean'): tf.GradConfig | undefined {
  return originals.get(name);
}

const isChannelVector = (t: tf.Tensor | undefined, c: number) => t != null && t.rank === 1 && t.shape[0] === c;

/** FusedBatchNorm gradient (inputs x [N,H,W,C], mean, variance, scale, offset [C]; attr varianceEpsilon). */
const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const d = dy as tf.Tensor;
    const c = x.shape[x.rank - 1];
    const fast = x.rank >= 2 && isChannelVector(mean, c) && isChannelVector(variance, c) && isChannelVector(scale, c);
    if (!fast) return originals.get('FusedBatchNorm')!.gradFunc(dy, saved, attrs);
    const eps = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
    // S1 = sum(dy), S2 = sum(dy * (x - mean)) in one fused pass (bn-fused.ts), computed here
    // once for all thunks: [C]-sized, so living until the backward pass ends costs nothing.
    const sums = bnGradSums(d, x, mean);
    const [s1, s2] = tf.unstack(sums);
    const rs = () => tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    return {
      x: () => tf.mul(d, tf.mul(rs(), scale)),
      mean: () => tf.mul(tf.neg(tf.mul(rs(), scale)), s1),
      variance: () => {
        const r = rs();
        return tf.mul(tf.mul(tf.mul(tf.mul(r, tf.square(r)), tf.scalar(-0.5)), scale), s2);
      },
      scale: () => tf.mul(rs(), s2),
      // A new tensor (shares storage): the tape may dispose what a thunk returns.
      offset: () => tf.clone(s1),
    };
  },
};

/** Mean gradient (input x; attr axis): dy / n broadcast back over the reduced axes. */
const meanGrad: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
    const n = axes.reduce((p, a) => p * x.shape[a], 1);
    const expanded = x.shape.map((dim, i) => (axes.includes(i) ? 1 : dim));
    return {
      x: () => {
        const g = tf.reshape(dy as tf.Tensor, expanded);
        // Float division, as the original (its ones() are float32) even for int32 dy.
        return tf.broadcastTo(tf.div(g.dtype === 'float32' ? g : tf.cast(g, 'float32'), n), x.shape);
      },
    };
  },
};

/**
 * Registers the gradients above (once), keeping the originals for fallback. Returns the
 * names of those registered on this call.
 */
export function installNormGradients(): string[] {
  const done: string[] = [];
  for (const cfg of [fusedBatchNormGrad, meanGrad]) {
    if (originals.has(cfg.kernelName)) continue;
    const orig = tf.getGradient(cfg.kernelName);
    if (!orig) continue;
    originals.set(cfg.kernelName, orig);
    tf.registerGradient(cfg);
    done.push(`grad:${cfg.kernelName}`);
  }
  return done;
}
