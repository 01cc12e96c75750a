/**
 * Exact per-example ||d f(x)/dx||_F^2 for models whose logits are a chain of dense layers with
 * elementwise activations (relu, tanh, sigmoid, linear; flatten/reshape between them): every MLP
 * gc-run builds. The chain is read off one recorded forward pass (the same tape vjp-stacked.ts
 * walks), so it needs nothing but the LogitsFn; any other model gives null and the caller uses a
 * generic strategy.
 *
 * With kernels K_l [n_{l-1}, n_l] and activation derivatives d_l (per example, from the layer's
 * output), J = D_L K_L^T ... D_1 K_1^T (rows: classes). The C rows of every example are stacked
 * (C·B rows, class-major) and carried from the logits down to layer 1: U <- (U ∘ d_l) K_l^T. The
 * last product, onto the n_0 = 784 inputs, is the largest; it is replaced by the Gram matrix
 * G = K_1^T K_1 [n_1, n_1], computed once per GC call: ||U K_1^T||^2 = rowsum((U G) ∘ U) (used
 * when n_0 > n_1). For an MLP 784-256-256-10 at 256 examples: 0.41 G multiply-adds against 1.4 G
 * for one backward pass per class (PyTorch's way) and 1.4 G for `replicate`.
 */
import * as tf from '#tf';
import { nodesFromXToY, releaseTape, type EngineInternals } from './vjp.js';
import { recordForward, type Node } from './vjp-stacked.js';

type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid';
const ACTIVATION_KERNELS: Record<string, Activation> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid' };

/**
 * One dense layer of a recognised chain: kernel [n_in, n_out], bias [n_out] or null, activation.
 * Only the weights are kept from the tape: the forward outputs it recorded may already be freed
 * (a layers model's own tidy inside `apply` disposes them), so the chain is recomputed (`forward`).
 */
interface DenseLayer {
  kernel: tf.Tensor2D;
  bias: tf.Tensor | null;
  activation: Activation;
}

/**
 * The dense layers from x to y on `tape`, or null when the path is anything else. Each node on the
 * path must take the previous node's output as its only input that depends on x.
 */
function chainOf(tape: Node[], x: tf.Tensor, y: tf.Tensor): DenseLayer[] | null {
  const b = x.shape[0];
  const raw = new Map(tape.map((n) => [n.id, n]));
  const layers: DenseLayer[] = [];
  let cur = x;
  let open = false; // the last layer may still take a bias add / activation
  for (const node of nodesFromXToY(tape, x, y)) {
    const onPath = Object.values(node.inputs);
    if (onPath.length !== 1 || onPath[0].id !== cur.id || node.outputs.length !== 1) return null;
    const out = node.outputs[0];
    const full = raw.get(node.id)!;
    const attrs = (full.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const name = node.kernelName;
    if (name === 'Reshape' || name === 'Identity') {
      if (out.shape[0] !== b && !(out.shape[0] === 1 && out.shape[1] === b)) return null;
    } else if (name === 'BatchMatMul' || name === '_FusedMatMul' || name === 'fusedMatMul__op') {
      // fusedMatMul__op: tf.fused.matMul's custom-gradient op as taped (inputs a, b, bias as 0, 1, 2;
      // no attributes: under a tape it is only used for linear activations; transposes are
      // ruled out by the shape checks here and by `matches` below).
      const custom = name === 'fusedMatMul__op';
      const a = custom ? full.inputs['0'] : full.inputs.a, w = custom ? full.inputs['1'] : full.inputs.b;
      const bias = (custom ? full.inputs['2'] : full.inputs.bias) ?? null;
      if (!a || !w || a.id !== cur.id || attrs.transposeA || attrs.transposeB || full.inputs.preluActivationWeights) return null;
      if (w.shape.slice(0, -2).some((d) => d !== 1) || a.shape[a.shape.length - 1] !== w.shape[w.shape.length - 2]) return null;
      const act = name === '_FusedMatMul' ? (attrs.activation ?? 'linear') : 'linear';
      if (act !== 'linear' && act !== 'relu') return null;
      const [nIn, nOut] = w.shape.slice(-2);
      if (bias && bias.size !== nOut) return null;
      layers.push({ kernel: tf.reshape(w, [nIn, nOut]), bias, activation: act });
      open = act === 'linear';
    } else if ((name === 'Add' || name === 'BiasAdd') && open) {
      const other = Object.values(full.inputs).find((t) => t.id !== cur.id);
      const last = layers[layers.length - 1];
      if (!other || other.size !== last.kernel.shape[1] || last.bias) return null;
      last.bias = other;
    } else if (ACTIVATION_KERNELS[name] && open) {
      layers[layers.length - 1].activation = ACTIVATION_KERNELS[name];
      open = false;
    } else {
      return null;
    }
    cur = out;
  }
  if (cur.id !== y.id || layers.length === 0) return null;
  return layers;
}

/**
 * The chain's post-activation outputs on `x` [B, ...inputShape]: one [B, n_l] per layer (the last
 * are the logits), computed from the weights alone.
 */
function forward(layers: DenseLayer[], x: tf.Tensor): tf.Tensor2D[] {
  const outs: tf.Tensor2D[] = [];
  let h = tf.reshape(x, [x.shape[0], layers[0].kernel.shape[0]]) as tf.Tensor2D;
  for (const l of layers) {
    h = tf.matMul(h, l.kernel);
    if (l.bias) h = tf.add(h, tf.reshape(l.bias, [l.kernel.shape[1]]));
    h = l.activation === 'relu' ? tf.relu(h) : l.activation === 'tanh' ? tf.tanh(h) : l.activation === 'sigmoid' ? tf.sigmoid(h) : h;
    outs.push(h);
  }
  return outs;
}

/**
 * Whether the recognised chain recomputes y from x (within float32 rounding), as a bool scalar on
 * the device: a check that the tape was read right (e.g. no transpose hidden in a custom op). Read
 * asynchronously by DenseJacobian.verify, so that every backend (webgpu too) can run it.
 */
function matches(layers: DenseLayer[], x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const outs = forward(layers, x);
    const h = outs[outs.length - 1];
    const ref = tf.reshape(y, h.shape);
    const err = tf.max(tf.abs(tf.sub(h, ref)));
    return tf.lessEqual(err, tf.mul(1e-4, tf.maximum(tf.max(tf.abs(ref)), 1))) as tf.Scalar;
  });
}

/** d act / d z [B, n] as a function of the activation's output h [B, n] (null for linear). */
function derivative(l: DenseLayer, h: tf.Tensor2D): tf.Tensor | null {
  switch (l.activation) {
    case 'linear':
      return null;
    case 'relu':
      return tf.step(h);
    case 'tanh':
      return tf.sub(1, tf.square(h));
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h));
  }
}

/**
 * Exact input-Jacobian norms of a dense chain, for one model during one measurement (its weights
 * fixed): the chain is read off the tape once, by `verify`, and the Gram matrix of its first
 * kernel is computed once.
 */
export class DenseJacobian {
  private gram: tf.Tensor2D | null = null;
  /** The chain verify() read and checked against the model's own output; null until then. */
  private layers: DenseLayer[] | null = null;

  /**
   * [B] ||d f(x_b)/dx_b||_F^2 for the f that `verify` read, or null when f is not a dense chain,
   * when `verify` has not yet confirmed it is, or inside a gradient computation (this is not differentiable). Intermediates are freed; the result is the caller's.
   * @param x [B, ...inputShape]
   */
  sqNorms(x: tf.Tensor, classes: number): tf.Tensor1D | null {
    const engine = tf.engine() as unknown as EngineInternals;
    if (!this.layers || engine.state.gradientDepth !== 0) return null;
    return tf.tidy(() => this.compute(this.layers!, x, classes));
  }

  /**
   * Reads the chain of `f` off one forward pass on `x` [B, ...inputShape] and checks it recomputes
   * the model's logits (an async read, once per instance). Until it returns true, sqNorms gives null.
   */
  async verify(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, classes: number): Promise<boolean> {
    if (this.layers) return true;
    const engine = tf.engine() as unknown as EngineInternals;
    if (engine.state.gradientDepth !== 0) return false;
    let kept: DenseLayer[] | null = null;
    const ok = tf.tidy(() => {
      const { y, tape } = recordForward(f, x);
      try {
        const layers = y.shape.length === 2 && y.shape[1] === classes ? chainOf(tape, x, y) : null;
        if (!layers) return [];
        // Kept past this tidy (reshapes share the weights' data): sqNorms uses them for every batch.
        kept = layers.map((l) => ({ ...l, kernel: tf.keep(tf.reshape(l.kernel, l.kernel.shape)), bias: l.bias && tf.keep(tf.reshape(l.bias, [l.kernel.shape[1]])) }));
        return matches(kept, x, y);
      } finally {
        releaseTape(engine, tape);
      }
    });
    if (!(ok instanceof tf.Tensor)) return false;
    const [v] = await ok.data();
    ok.dispose();
    this.layers = kept;
    if (v !== 1) this.dispose();
    return this.layers !== null;
  }

  private compute(layers: DenseLayer[], x: tf.Tensor, classes: number): tf.Tensor1D {
    const b = x.shape[0];
    const outs = forward(layers, x);
    // Class-major stacked cotangents: row k·B + j is e_k for example j.
    let u: tf.Tensor2D = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: classes * b }, (_, i) => Math.floor(i / b)), 'int32'), classes), 'float32') as tf.Tensor2D;
    for (let l = layers.length - 1; l >= 0; l--) {
      const d = derivative(layers[l], outs[l]);
      if (d) u = tf.mul(u, tf.tile(d, [classes, 1]));
      if (l > 0) u = tf.matMul(u, layers[l].kernel, false, true);
    }
    const k1 = layers[0].kernel;
    if (k1.shape[0] <= k1.shape[1]) return tf.sum(tf.reshape(tf.sum(tf.square(tf.matMul(u, k1, false, true)), 1), [classes, b]), 0) as tf.Tensor1D;
    if (!this.gram) this.gram = tf.keep(tf.matMul(k1, k1, true, false));
    return tf.sum(tf.reshape(tf.sum(tf.mul(tf.matMul(u, this.gram), u), 1), [classes, b]), 0) as tf.Tensor1D;
  }

  /** Frees the chain and the Gram matrix (call once the weights may change, i.e. after each GC measurement). */
  dispose(): void {
    this.gram?.dispose();
    this.gram = null;
    if (this.layers) tf.dispose(this.layers.flatMap((l) => (l.bias ? [l.kernel, l.bias] : [l.kernel])));
    this.layers = null;
  }
}
