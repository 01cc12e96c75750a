/**
 * Several vector-Jacobian products in ONE backward pass: the K cotangents are stacked along the
 * first axis (K copies of the batch: [K*B, ...]) and walked back through the recorded forward
 * tape once. Everything the backward of a node needs from the forward pass and that is the same
 * for every cotangent (relu masks, max-pool argmax masks, batch-norm scales, transposed filters)
 * is then computed once per batch instead of once per cotangent, and every kernel call works on
 * K times more rows (fewer, larger calls).
 *
 * Each node's backward is a per-kernel rule below; a node without a rule is handled by its own
 * gradient function once per cotangent slice (exactly as the replay in vjp.ts), so any model
 * works. Only for first-order products: the stacked kernels have no gradients, so products that
 * must stay differentiable (explicit GC penalty) use vjps() instead.
 */
import * as tf from '#tf';
import { GC_ADD, MAX_POOL_MASK_2X2, MUL_CHANNELS, RELU_GRAD_STACKED, SPREAD_ROWS, UNPOOL_MASKED_2X2 } from '../backend/kernel-names.js';
import { nodesFromXToY, releaseTape, type EngineInternals, type TapeNode } from './vjp.js';

/** A tape node with the attributes its kernel ran with (recorded by `recordForward`). */
export type Node = TapeNode & { attrs?: tf.NamedAttrMap };

/** Backward of one node on stacked cotangents: stacked dys (per output) -> stacked grads per on-path input. */
type Rule = (dys: (tf.Tensor | null)[], k: number) => Record<string, tf.Tensor>;

/** Runs kernel `name` when the current backend has it (our wasm kernels); undefined otherwise. */
function ours(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown> = {}): tf.Tensor | undefined {
  if (tf.getKernel(name, tf.getBackend()) === undefined) return undefined;
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** The tensor the forward pass saved for input `name` (or output `out`) of `node`. */
function saved(node: Node, name: string, out?: number): tf.Tensor | undefined {
  const cfg = tf.getGradient(node.kernelName);
  const ins = cfg?.inputsToSave ?? [];
  if (out === undefined) return node.saved?.[ins.indexOf(name)];
  const outs = (cfg?.outputsToSave ?? []).map((keep, i) => (keep ? i : -1)).filter((i) => i >= 0);
  return node.saved?.[ins.length + outs.indexOf(out)];
}

/** Stacked shape of a forward tensor: K copies along the first axis. */
function stackedShape(t: tf.Tensor, k: number): number[] {
  return [k * t.shape[0], ...t.shape.slice(1)];
}

/** The fallback: the node's own gradient once per cotangent slice, results concatenated. */
function perSlice(node: Node): Rule {
  return (dys, k) => {
    const parts: Record<string, tf.Tensor[]> = {};
    for (let i = 0; i < k; i++) {
      const slice = dys.map((d, j) => (d === null ? null : tf.slice(d, [i * node.outputs[j].shape[0]], [node.outputs[j].shape[0]])));
      if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const grads = node.gradient(slice);
      for (const name of Object.keys(node.inputs)) {
        if (!(name in grads)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        (parts[name] ??= []).push(grads[name]());
      }
    }
    return Object.fromEntries(Object.entries(parts).map(([name, ts]) => [name, ts.length === 1 ? ts[0] : tf.concat(ts, 0)]));
  };
}

/** A clone recorded by engine.clone (the tape node of an op's input copy): gradient = identity. */
function isClone(node: Node): boolean {
  const names = Object.keys(node.inputs);
  return tf.getKernel(node.kernelName, tf.getBackend()) === undefined && tf.getGradient(node.kernelName) === undefined &&
    names.length === 1 && names[0] === 'x' && node.outputs.length === 1 && (node.saved?.length ?? 0) === 0 &&
    node.inputs.x.dtype === 'float32' && node.outputs[0].dtype === 'float32' &&
    node.inputs.x.shape.join() === node.outputs[0].shape.join();
}

/** The rule for `node`, with its once-per-batch constants computed now. */
function ruleFor(node: Node): Rule {
  const a = node.attrs ?? {};
  const inputs = Object.keys(node.inputs);
  const only = (name: string) => inputs.length === 1 && inputs[0] === name;
  const out0 = node.outputs[0];
  const pass: Rule = (dys) => Object.fromEntries(inputs.map((n) => [n, dys[0]!]));
  switch (node.kernelName) {
    case 'Identity':
      return pass;
    case 'Cast':
      return node.inputs.x.dtype === 'float32' && out0.dtype === 'float32' ? pass : perSlice(node);
    case 'Reshape':
      return (dys, k) => ({ x: tf.reshape(dys[0]!, stackedShape(node.inputs.x, k)) });
    case 'Add':
      // Only inputs with the output's own shape (a broadcast input's gradient is a sum: per slice).
      return inputs.every((n) => node.inputs[n].shape.join() === out0.shape.join()) ? pass : perSlice(node);
    case 'Relu': {
      const x = saved(node, 'x');
      if (!x || !only('x')) return perSlice(node);
      return (dys, k) => {
        const dy = dys[0]!;
        const fast = ours(RELU_GRAD_STACKED, { dy, x }, { k });
        if (fast) return { x: fast };
        return { x: tf.reshape(tf.mul(tf.reshape(dy, [k, ...x.shape]), tf.step(x)), dy.shape) };
      };
    }
    case 'MaxPool': {
      const x = saved(node, 'x');
      if (!x || !only('x') || x.rank !== 4) return perSlice(node);
      const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize as number, a.strides as number, 1, a.pad as 'valid', a.dimRoundingMode as 'floor');
      const plain = info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
        info.padInfo.top === 0 && info.padInfo.left === 0 && 2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth;
      const mask = plain ? ours(MAX_POOL_MASK_2X2, { x }, { oh: info.outHeight, ow: info.outWidth }) : undefined;
      if (!mask) return perSlice(node);
      return (dys, k) => ({ x: ours(UNPOOL_MASKED_2X2, { dy: dys[0]!, mask }, { k })! });
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      const filter = saved(node, 'filter');
      const dil = a.dilations as number | number[] | undefined;
      const dil1 = dil === undefined || (typeof dil === 'number' ? dil === 1 : dil.every((v) => v === 1));
      const linear = node.kernelName === 'Conv2D' || a.activation === 'linear' || a.activation === undefined;
      if (!filter || !only('x') || !dil1 || !linear || (a.dataFormat ?? 'NHWC') !== 'NHWC') return perSlice(node);
      return (dys, k) => ({
        x: tf.engine().runKernel('Conv2DBackpropInput', { dy: dys[0]!, filter },
          { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode, inputShape: stackedShape(node.inputs.x, k) } as unknown as tf.NamedAttrMap) as tf.Tensor,
      });
    }
    case 'FusedBatchNorm': {
      // Inference batch norm is per-channel affine: dx = dy * scale / sqrt(variance + eps).
      const variance = saved(node, 'variance');
      const scale = saved(node, 'scale');
      const c = node.inputs.x.shape[node.inputs.x.rank - 1];
      if (!variance || !only('x') || variance.rank !== 1 || variance.shape[0] !== c) return perSlice(node);
      const r = tf.rsqrt(tf.add(variance, tf.scalar(a.varianceEpsilon as number)));
      const s = scale ? tf.mul(r, scale) : r;
      return (dys) => {
        const dy = dys[0]!;
        return { x: ours(MUL_CHANNELS, { dy, s }) ?? tf.mul(dy, s) };
      };
    }
    case 'Mean': {
      // Global average pooling: mean over the spatial axes [1, 2] of [N,H,W,C].
      const x = node.inputs.x;
      const axes = (Array.isArray(a.axis) ? (a.axis as number[]) : [a.axis as number]).map((v) => (v < 0 ? v + x.rank : v)).sort();
      if (!only('x') || x.rank !== 4 || axes.join() !== '1,2') return perSlice(node);
      const [, h, w, c] = x.shape;
      return (dys, k) => {
        const shape = stackedShape(x, k);
        const dy = dys[0]!;
        const fast = ours(SPREAD_ROWS, { dy }, { shape, scale: 1 / (h * w) });
        return { x: fast ?? tf.mul(tf.broadcastTo(tf.reshape(dy, [shape[0], 1, 1, c]), shape), tf.scalar(1 / (h * w))) };
      };
    }
    case 'BatchMatMul': {
      // a [1, B, in] (a dense layer's input) times a weight b: the stacked rows are more rows of a.
      const b = saved(node, 'b');
      const ta = node.inputs.a;
      if (!b || !only('a') || a.transposeA || ta.rank !== 3 || ta.shape[0] !== 1 || b.rank !== 3 || b.shape[0] !== 1) return perSlice(node);
      return (dys, k) => {
        const dy = tf.reshape(dys[0]!, [1, k * out0.shape[1]!, out0.shape[2]!]);
        return { a: tf.reshape(tf.matMul(dy, b, false, !a.transposeB), stackedShape(ta, k)) };
      };
    }
  }
  return isClone(node) ? pass : perSlice(node);
}

/** Sum of two stacked cotangents of one tensor (it feeds several consumers). */
function accumulate(p: tf.Tensor, q: tf.Tensor): tf.Tensor {
  return ours(GC_ADD, { a: p, b: q }) ?? tf.add(p, q);
}

/** Records `f(x)` on the engine's tape, keeping each node's kernel attributes (the tape drops them). */
export function recordForward(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): { y: tf.Tensor; tape: Node[] } {
  const engine = tf.engine() as unknown as EngineInternals & { addTapeNode: (...args: unknown[]) => void };
  const own = Object.prototype.hasOwnProperty.call(engine, 'addTapeNode');
  const original = engine.addTapeNode;
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]) {
    original.apply(this, args);
    const tape = this.state.activeTape!;
    (tape[tape.length - 1] as Node).attrs = args[5] as tf.NamedAttrMap;
  };
  engine.startTape();
  try {
    const y = tf.tidy(() => f(x));
    return { y, tape: engine.state.activeTape! };
  } finally {
    engine.endTape();
    if (own) engine.addTapeNode = original;
    else delete (engine as { addTapeNode?: unknown }).addTapeNode;
  }
}

/** Whether `stackedVjps` can run now: not inside another gradient computation (products would not be differentiable). */
export function canStack(): boolean {
  return (tf.engine() as unknown as EngineInternals).state.gradientDepth === 0;
}

/**
 * Runs `f(x)` once and returns `reduce(J^T dY, k)` for each chunk of stacked cotangents
 * `dY = cotangents(y, k0, k)` ([k*B, ...y.shape.slice(1)]: cotangents k0..k0+k-1, each B rows),
 * J = dy/dx. Cotangents are processed `chunk(perCotangentBytes)` at a time, bounding memory by
 * the largest stacked activation. Call inside tf.tidy, at gradient depth 0 (see canStack).
 */
export function stackedVjps(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  count: number,
  cotangents: (y: tf.Tensor, k0: number, k: number) => tf.Tensor,
  reduce: (g: tf.Tensor, k: number) => tf.Tensor,
  chunk: (perCotangentBytes: number) => number,
): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth !== 0) throw new Error('stackedVjps: not differentiable; use vjps inside a gradient computation');
  const { y, tape } = recordForward(f, x);
  try {
    const nodes = nodesFromXToY(tape, x, y) as Node[];
    if (nodes.length === 0) throw new Error('vjps: the output does not depend on the input');
    const rules = nodes.map(ruleFor);
    const bytes = Math.max(x.size, ...nodes.flatMap((n) => n.outputs.map((o) => o.size))) * 4;
    const per = Math.max(1, Math.min(count, chunk(bytes)));
    // Even chunks (10 cotangents at most 4 a time: 4, 3, 3 rather than 4, 4, 2).
    const pieces = Math.ceil(count / per);
    const results: tf.Tensor[] = [];
    for (let p = 0, k0 = 0; p < pieces; p++) {
      const k = Math.ceil((count - k0) / (pieces - p));
      results.push(tf.tidy(() => reduce(backprop(nodes, rules, x, y, cotangents(y, k0, k), k), k)));
      k0 += k;
    }
    return results;
  } finally {
    releaseTape(engine, tape);
  }
}

/** Walks the stacked cotangent `dy` back from y to x; frees each cotangent once consumed. */
function backprop(nodes: Node[], rules: Rule[], x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, k: number): tf.Tensor {
  const acc = new Map<number, tf.Tensor>([[y.id, dy]]);
  const release = (t: tf.Tensor) => {
    for (const v of acc.values()) if (v === t) return;
    t.dispose();
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
    if (dys.every((d) => d === null)) continue;
    const grads = rules[i](dys, k);
    for (const o of node.outputs) acc.delete(o.id);
    // Freed only once every input has its cotangent: one tensor may serve several (Add).
    const spent: tf.Tensor[] = dys.filter((d): d is tf.Tensor => d !== null);
    for (const [name, input] of Object.entries(node.inputs)) {
      const g = grads[name];
      const cur = acc.get(input.id);
      if (cur === undefined) {
        acc.set(input.id, g);
      } else {
        acc.set(input.id, accumulate(cur, g));
        spent.push(cur, g);
      }
    }
    for (const t of new Set(spent)) if (t !== dy && t !== x) release(t);
  }
  const g = acc.get(x.id);
  if (g === undefined) throw new Error('vjps: the output does not depend on the input');
  return g;
}
