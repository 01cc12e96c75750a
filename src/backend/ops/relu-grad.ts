/**
 * One-pass Relu gradient. tfjs-core's is mul(dy, cast(step(x))): two full-size passes (Step,
 * Multiply) and a temporary, run for every relu of every backward pass (GC runs one backward
 * per logit). We register a wasm kernel `GcReluGrad` (inputs dy, x; out = dy * step(x), same
 * values bit for bit) and a Relu gradient that uses it when the current backend has it, and
 * tfjs-core's expression otherwise. `GcReluGrad` is linear in dy, so its own gradient is itself
 * (w.r.t. dy) and zero (w.r.t. x, piecewise constant), as the original's second order is.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import type { Info } from '../kernel-call.js';
import { RELU_GRAD } from '../kernel-names.js';

export { RELU_GRAD };

/** Kernel func for `GcReluGrad` on wasm (inputs dy, x: float32 of one shape). */
export function reluGradKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, x } = args.inputs as { dy: Info; x: Info };
  const out = backend.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((p, d) => p * d, 1);
  simd(backend).reluGrad(n, ptr(backend, dy), ptr(backend, x), ptr(backend, out));
  return out;
}

/** dy * step(x): our kernel where the current backend has it (float32, same shapes), else tfjs-core's ops. */
export function reluGradOp(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused = tf.getKernel(RELU_GRAD, tf.getBackend()) != null && dy.dtype === 'float32' && x.dtype === 'float32' && tf.util.arraysEqual(dy.shape, x.shape);
  if (!fused) return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
  return tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
}

const reluGrad: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => reluGradOp(dy as tf.Tensor, saved[0]) }),
};

const reluGradGrad: tf.GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => ({ dy: () => reluGradOp(ddx as tf.Tensor, saved[0]), x: () => tf.zerosLike(saved[0]) }),
};

let original: tf.GradConfig | undefined;

/** tfjs-core's Relu gradient, as registered before ours (for A/B benchmarks and tests). */
export function originalReluGradient(): tf.GradConfig | undefined {
  return original;
}

/** Registers the Relu gradient above and that of `GcReluGrad` (once); true when it did so now. */
export function installReluGradient(): boolean {
  if (original || !tf.getGradient('Relu')) return false;
  original = tf.getGradient('Relu');
  tf.unregisterGradient('Relu');
  tf.registerGradient(reluGrad);
  tf.registerGradient(reluGradGrad);
  return true;
}
