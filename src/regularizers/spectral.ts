import * as tf from '#tf';
import type { NamedArray, StatefulPart } from '../results/trainer-state.js';
import { Rng } from '../rng/rng.js';
import type { PenaltyTerm } from './term.js';

/**
 * A kernel as the matrix whose largest singular value the spectral penalty controls.
 * Dense kernels [in, out] are used as they are. Conv kernels [kh, kw, cin, cout] are reshaped
 * (row-major) to [kh·kw·cin, cout]: each column is one output filter, flattened over its
 * receptive field. This is the usual "reshaped kernel" surrogate (Yoshida & Miyato, 2017;
 * Miyato et al., 2018); it is not the exact operator norm of the convolution, which also depends
 * on the input size, but bounds it up to a factor sqrt(kh·kw).
 * @param kernel [in, out] or [kh, kw, cin, cout] (any rank ≥ 2: leading axes are flattened)
 * @returns [rows, out]
 */
export function kernelMatrix(kernel: tf.Tensor): tf.Tensor2D {
  const cols = kernel.shape[kernel.shape.length - 1];
  return tf.reshape(kernel, [kernel.size / cols, cols]);
}

/**
 * `iters` power-iteration steps on W from the right singular vector estimate `v`:
 * u = Wv/||Wv||, v = Wᵀu/||Wᵀu||.
 * @param w [m, n]
 * @param v [n, 1] (unit norm)
 * @returns u [m, 1], v [n, 1] (unit norm) and σ = uᵀWv (scalar)
 */
export function powerIteration(
  w: tf.Tensor2D,
  v: tf.Tensor2D,
  iters: number,
): { u: tf.Tensor2D; v: tf.Tensor2D; sigma: tf.Scalar } {
  return tf.tidy(() => {
    const unit = (t: tf.Tensor2D) => tf.div(t, tf.add(tf.norm(t), 1e-12)) as tf.Tensor2D;
    let vv = v;
    let u = unit(tf.matMul(w, vv));
    for (let i = 1; i < iters; i++) {
      vv = unit(tf.matMul(w, u, true, false));
      u = unit(tf.matMul(w, vv));
    }
    // One final right update so that (u, v) is a consistent pair for σ = uᵀWv.
    vv = unit(tf.matMul(w, u, true, false));
    const sigma = tf.sum(tf.mul(u, tf.matMul(w, vv))) as tf.Scalar;
    return { u, v: vv, sigma };
  });
}

/**
 * Per-layer largest singular values of a model's kernels, tracked by power iteration with
 * persistent singular-vector estimates per kernel (so one iteration per training step suffices:
 * the estimates follow the slowly moving weights). Owned by one trainer; the vectors start from
 * `seed` and are freed by `dispose`.
 */
export class SpectralNorms implements StatefulPart {
  /** Checkpoint key: the persistent vectors must survive a resume for bit-identical training. */
  readonly stateKey = 'spectral-power-iteration';
  /** Left / right singular vector estimates per kernel: [rows_l, 1] / [cols_l, 1], unit norm. */
  private readonly us: tf.Variable[];
  private readonly vs: tf.Variable[];

  constructor(
    readonly kernels: readonly tf.Variable[],
    seed: number,
  ) {
    const unitVariable = (n: number, rng: Rng) => {
      const raw = Float64Array.from({ length: n }, () => rng.normal());
      const norm = Math.sqrt(raw.reduce((a, x) => a + x * x, 0)) || 1;
      return tf.variable(tf.tensor2d(Float32Array.from(raw, (x) => x / norm), [n, 1]), false);
    };
    this.us = [];
    this.vs = [];
    kernels.forEach((k, i) => {
      const cols = k.shape[k.shape.length - 1];
      const rng = Rng.derive(seed, `spectral:${i}`);
      this.vs.push(tf.tidy(() => unitVariable(cols, rng)));
      this.us.push(tf.tidy(() => unitVariable(k.size / cols, rng)));
    });
  }

  /**
   * Runs `iters` power iterations per kernel from the stored vectors, stores the new vectors,
   * and returns σ_l = uᵀ W_l v per kernel as scalars differentiable in the kernel with u, v held
   * constant (gradient u vᵀ, as in Miyato et al. 2018). u and v are read from Variables, whose
   * assigned values carry no link to W on the gradient tape: that is the stop-gradient.
   * @returns [σ_1, …, σ_L] scalars (caller owns them; call inside a tidy)
   */
  sigmas(iters: number): tf.Scalar[] {
    return this.kernels.map((k, i) => {
      tf.tidy(() => {
        const r = powerIteration(kernelMatrix(k), this.vs[i] as tf.Tensor as tf.Tensor2D, iters);
        this.us[i].assign(r.u);
        this.vs[i].assign(r.v);
      });
      return tf.tidy(() => tf.sum(tf.mul(this.us[i], tf.matMul(kernelMatrix(k), this.vs[i] as tf.Tensor as tf.Tensor2D))) as tf.Scalar);
    });
  }

  /**
   * Accurate σ_max per kernel for logging: `iters` (default 50) power iterations from the stored
   * vectors, which are updated (a better start for the training steps too).
   * @returns the largest σ over kernels and their sum
   */
  async measure(iters = 50): Promise<{ max: number; sum: number }> {
    if (this.kernels.length === 0) return { max: 0, sum: 0 };
    const packed = tf.tidy(() => tf.stack(this.sigmas(iters)));
    const s = Array.from(await packed.data());
    packed.dispose();
    return { max: Math.max(...s), sum: s.reduce((a, b) => a + b, 0) };
  }

  /** The persistent vectors as named arrays (u_i then v_i per kernel). */
  async getState(): Promise<NamedArray[]> {
    const out: NamedArray[] = [];
    for (const [tag, vars] of [['u', this.us], ['v', this.vs]] as const) {
      for (const [i, t] of vars.entries()) {
        out.push({ name: `${tag}${i}`, shape: [...t.shape], dtype: 'float32', data: Float32Array.from(await t.data()) });
      }
    }
    return out;
  }

  /** Restores vectors saved by getState. */
  setState(arrays: NamedArray[]): void {
    const byName = new Map(arrays.map((a) => [a.name, a]));
    for (const [tag, vars] of [['u', this.us], ['v', this.vs]] as const) {
      vars.forEach((t, i) => {
        const a = byName.get(`${tag}${i}`);
        if (!a || a.data.length !== t.size) throw new Error(`spectral state lacks a matching '${tag}${i}'`);
        tf.tidy(() => t.assign(tf.tensor(a.data, t.shape)));
      });
    }
  }

  /** Frees the stored vectors. */
  dispose(): void {
    tf.dispose([...this.us, ...this.vs]);
  }
}

/**
 * Spectral-norm penalty (λ/2)·Σ_l σ_max(W_l)² over dense and conv kernels (conv kernels as
 * [kh·kw·cin, cout] matrices, see `kernelMatrix`). Each step runs `iters`
 * (`regularizers.spectral_power_iters`) power iterations from the persistent vectors in `norms`;
 * the gradient is σ_l·u_l v_lᵀ.
 */
export function spectralTerm(lambda: number, norms: SpectralNorms, iters: number): PenaltyTerm {
  return {
    column: 'spectral_penalty',
    key: 'regularizers.spectral',
    lambda,
    value: () =>
      tf.tidy(() => {
        const s = norms.sigmas(iters);
        return s.length ? (tf.mul(0.5, tf.addN(s.map((x) => tf.square(x)))) as tf.Scalar) : tf.scalar(0);
      }),
  };
}
