/**
 * Several vector-Jacobian products from ONE recorded forward pass. tfjs' public gradient API
 * (tf.grad, engine.gradients) records a tape, back-propagates one cotangent and drops the tape,
 * so C products cost C forward passes. We record the forward with the engine's own tape and walk
 * it backward once per cotangent, exactly as engine.gradients does (same tape filtering, same
 * per-node gradient closures and accumulation), so each product equals tf.grad's result.
 *
 * This uses tfjs-core engine internals that the public typings mark private (startTape/endTape,
 * state.activeTape, TapeNode.gradient); tested against tf.grad (test/metrics/vjp.test.ts).
 * Backward ops run while an outer tape may be recording (explicit GC penalty: gradients of the
 * products w.r.t. the weights), and are then recorded like any nested tf.grad's.
 */
import * as tf from '#tf';

/** A node of tfjs-core's gradient tape (engine internals). */
export interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The tfjs-core engine internals the replays use. */
export interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
}

/** The tape nodes on a path from `x` to `y`, inputs pruned to those that depend on `x` (as tfjs-core's getFilteredNodesXToY). */
/**
 * The one tape clean-up: frees the tensors a recorded tape saved for its backward pass and drops
 * the tape, as tf's engine.gradients does when it owns it (call only as its owner: outermost).
 */
export function releaseTape(engine: EngineInternals, tape: readonly TapeNode[]): void {
  for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  engine.state.activeTape = null;
}

export function nodesFromXToY(tape: TapeNode[], x: tf.Tensor, y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>([x.id]);
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((n) => nodesFromX.has(n.id) && nodesToY.has(n.id))
    .map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

/** Back-propagates `dy` (shape of y) through `nodes`; returns the gradient at `x` (as tfjs-core's backpropagateGradients). */
function backprop(nodes: TapeNode[], x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const acc = new Map<number, tf.Tensor>([[y.id, dy]]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const grads = node.gradient(dys);
    for (const [name, input] of Object.entries(node.inputs)) {
      if (!(name in grads)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
      const dx = tf.tidy(() => grads[name]());
      const cur = acc.get(input.id);
      acc.set(input.id, cur === undefined ? dx : tf.add(cur, dx));
    }
  }
  const g = acc.get(x.id);
  if (g === undefined) throw new Error('vjps: the output does not depend on the input');
  return g;
}

/**
 * Runs `f(x)` once and returns `reduce(J^T dy_k)` for each cotangent `dy_k = cotangents(y)[k]`
 * (J = dy/dx; each dy_k has y's shape). `reduce` maps a gradient (x's shape) to what is kept, so
 * the full gradients need not all be alive at once. Call inside tf.tidy; every intermediate is
 * disposed, the results are not.
 */
export function vjps(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, cotangents: (y: tf.Tensor) => tf.Tensor[], reduce: (g: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineInternals;
  engine.startTape();
  let y: tf.Tensor;
  try {
    y = tf.tidy(() => f(x));
  } finally {
    engine.endTape();
  }
  const tape = engine.state.activeTape!;
  try {
    const nodes = nodesFromXToY(tape, x, y);
    const dys = cotangents(y);
    return dys.map((dy) => tf.tidy(() => reduce(backprop(nodes, x, y, dy))));
  } finally {
    // As engine.gradients: the outermost gradient computation owns the tape and its saved tensors.
    if (engine.state.gradientDepth === 0) releaseTape(engine, tape);
  }
}
