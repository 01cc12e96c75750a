import * as tf from '#tf';
import { RunFailure } from '../errors/errors.js';

type GradConfig = Parameters<typeof tf.registerGradient>[0];
const unary = (kernelName: string, input: string, d: (x: tf.Tensor, attrs: Record<string, unknown>) => tf.Tensor): GradConfig => ({
  kernelName,
  inputsToSave: [input],
  gradFunc: (dy, saved, attrs) => ({ [input]: () => tf.mul(dy as tf.Tensor, d(saved[0], attrs as Record<string, unknown>)) }),
});

/**
 * Replacements for tfjs gradients that use their op's saved OUTPUT. tfjs records the copy of a
 * saved output on the tape before the op itself, so a gradient taken through that copy is not
 * connected to the op's inputs: second derivatives silently lose every path through it (e.g.
 * the softmax in d(cross-entropy)/dθ, or tanh's 1 - y² in an input gradient). These versions
 * save the input and recompute the output: same values to first order, correct second order.
 */
const RECOMPUTING: GradConfig[] = [
  unary(tf.Exp, 'x', (x) => tf.exp(x)),
  unary(tf.Tanh, 'x', (x) => tf.sub(1, tf.square(tf.tanh(x)))),
  unary(tf.Sigmoid, 'x', (x) => {
    const s = tf.sigmoid(x);
    return tf.mul(s, tf.sub(1, s));
  }),
  unary(tf.Elu, 'x', (x) => tf.where(tf.greater(x, 0), tf.onesLike(x), tf.exp(x))),
  {
    kernelName: tf.LogSoftmax,
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => {
      const axis = (attrs as { axis: number }).axis;
      const sm = tf.exp(tf.logSoftmax(saved[0], axis));
      return { logits: () => tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), sm)) };
    },
  },
  {
    kernelName: tf.Softmax,
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => {
      const dim = (attrs as { dim: number }).dim;
      const y = tf.softmax(saved[0], dim);
      const dyY = tf.mul(dy as tf.Tensor, y);
      return { logits: () => tf.sub(dyY, tf.mul(tf.sum(dyY, [dim], true), y)) };
    },
  },
];

/**
 * Gradients tfjs 4.22 lacks for second-order training (flatness and GC penalties differentiate
 * a backward pass). Both ops are linear in their cotangent input, so their gradients are other
 * forward ops:
 * - Conv2DBackpropFilter(x, dy) = Σ patches(x) ⊗ dy: d/d(dy) is conv2d(x, ddw), d/dx is
 *   conv2dTranspose(dy, ddw) (the conv's input gradient).
 * - MaxPoolGrad(dy, input, output) routes dy to each window's argmax: d/d(dy) gathers the
 *   cotangent at those argmax positions (the max-pool's forward-mode derivative); d/d(input),
 *   d/d(output) are 0 (the routing is piecewise constant).
 * Registered only where tfjs has none, so a tfjs release (or a backend package) that ships its
 * own wins. Also installs the RECOMPUTING gradients above in place of tfjs's. Idempotent.
 * The trainer calls this for every run (not only penalised ones), so all runs of a process
 * use the same gradient code whatever ran before.
 */
export function registerSecondOrderGradients(): void {
  // Comparisons are piecewise constant: zero gradient. tfjs registers none, yet they sit on the
  // tape of first-order gradients (e.g. Max's gradient masks with Equal(x, max)).
  for (const op of [tf.Equal, tf.NotEqual, tf.Greater, tf.Less, tf.LessEqual]) {
    if (tf.getGradient(op)) continue;
    tf.registerGradient({
      kernelName: op,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
    });
  }
  for (const g of RECOMPUTING) {
    if (tf.getGradient(g.kernelName) === g) continue;
    // Unregister first: registering over an existing gradient prints a warning.
    if (tf.getGradient(g.kernelName)) tf.unregisterGradient(g.kernelName);
    tf.registerGradient(g);
  }
  if (!tf.getGradient(tf.Conv2DBackpropFilter)) {
    tf.registerGradient({
      kernelName: tf.Conv2DBackpropFilter,
      inputsToSave: ['x', 'dy'],
      gradFunc: (ddw, saved, attrs) => {
        const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
        const a = attrs as unknown as { strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: string };
        if (a.dataFormat !== 'NHWC') throw new Error(`second-order gradient of Conv2DBackpropFilter supports NHWC only, got ${a.dataFormat}`);
        const w = ddw as tf.Tensor4D;
        return {
          x: () => tf.conv2dTranspose(dy, w, x.shape, a.strides, a.pad),
          dy: () => tf.conv2d(x, w, a.strides, a.pad),
        };
      },
    });
  }
  if (!tf.getGradient(tf.MaxPoolGrad)) {
    tf.registerGradient({
      kernelName: tf.MaxPoolGrad,
      inputsToSave: ['input', 'output'],
      gradFunc: (ddx, saved, attrs) => {
        const [input, output] = saved as [tf.Tensor4D, tf.Tensor4D];
        const a = attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number };
        return {
          dy: () => {
            const idx = argmaxIndices(input, a.filterSize, a.strides, a.pad);
            return tf.reshape(tf.gather(tf.reshape(ddx as tf.Tensor, [-1]), tf.reshape(idx, [-1])), output.shape);
          },
          input: () => tf.zerosLike(input),
          output: () => tf.zerosLike(output),
        };
      },
    });
  }
}

/**
 * Flat (batch-inclusive) argmax index of each max-pool window, [B, oh, ow, C] int32. Wrapped in
 * customGrad with a zero gradient: the indices are piecewise constant in the input, and
 * MaxPoolWithArgmax itself has no registered gradient, so it must not appear on the tape.
 */
function argmaxIndices(
  input: tf.Tensor4D,
  filterSize: [number, number] | number,
  strides: [number, number] | number,
  pad: 'valid' | 'same' | number,
): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const r = tf.maxPoolWithArgmax(x as tf.Tensor4D, filterSize, strides, pad, true);
    r.result.dispose();
    return { value: r.indexes, gradFunc: () => tf.zerosLike(x) };
  });
  return f(input);
}

/**
 * Turns tfjs's "cannot differentiate" / "kernel not registered" errors raised in a training step
 * into a RunFailure naming the op, the architecture, the backend and the active second-order
 * penalties. Other errors are returned unchanged.
 * @param penalties config keys of the active second-order penalties (e.g. `regularizers.flatness`)
 */
export function explainSecondOrderError(err: unknown, arch: string, penalties: string[]): unknown {
  if (!(err instanceof Error)) return err;
  const noGrad = /gradient function not found for (\w+)/.exec(err.message);
  const noKernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(err.message);
  const tfjs = `[tfjs: ${err.message.split('\n')[0]}]`;
  const off = penalties.length ? `, or set ${penalties.join(', ')} to 0` : '';
  if (noKernel) {
    const [, op, backend] = noKernel;
    const withPen = penalties.length ? ` with ${penalties.join(' and ')}` : '';
    return new RunFailure(
      `training model.arch=${arch}${withPen} needs op '${op}', which backend '${backend}' does not implement; ` +
        `use backend cpu (or a backend that has it). ${tfjs}`,
    );
  }
  if (noGrad && penalties.length) {
    return new RunFailure(
      `${penalties.join(' and ')} need${penalties.length === 1 ? 's' : ''} second derivatives of the model, but tfjs has no ` +
        `gradient for op '${noGrad[1]}', so it cannot differentiate the backward pass through it ` +
        `(model.arch=${arch}, backend=${tf.getBackend()}); use another architecture${off}. ${tfjs}`,
    );
  }
  return err;
}
