/**
 * The residual join y = relu(a + b) (end of a residual block), and its global-average-pooled form
 * mean_{H,W} relu(a + b) (end of the last block), as fused ops:
 *   `GcAddRelu` (a, b: float32 of one shape) -> y: one pass instead of Add then Relu. Its gradient
 *     is dy * step(y) (the Relu gradient, GcReluGrad on wasm: one pass), returned for both inputs.
 *   `GcAddReluMean` (a, b: float32 [N, H, W, C]) -> [N, C]: one pass reading a and b, y never
 *     written. Its gradient (`GcAddReluMeanGrad`, dy [N, C], a, b) writes
 *     (dy / (H*W)) * step(a + b) in one pass: no broadcast (Tile) of dy, no separate mask pass.
 * Recorded backward passes (second order: flatness / explicit GC penalties) use differentiable
 * tf ops instead (the mask's derivative is zero, so reading saved tensors cuts nothing off), and
 * backends without the kernels (cpu, tensorflow) or other dtypes / shapes get the same values
 * from tf.relu(tf.add(a, b)) (and tf.mean over axes 1, 2).
 * Each gradient thunk returns its own tensor (a clone, sharing storage): the tape may dispose
 * what a thunk returns.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { free, hasKernel, type Info, outerTapeRecording } from '../kernel-call.js';
import { reluGradOp } from './relu-grad.js';
import { ADD_RELU, ADD_RELU_MEAN, ADD_RELU_MEAN_GRAD } from '../kernel-names.js';

export { ADD_RELU, ADD_RELU_MEAN, ADD_RELU_MEAN_GRAD };

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const exportsOf = (backend: BackendWasm) => simd(backend);

/** Kernel func for `GcAddRelu`: relu(a + b), same shapes. */
export function addReluKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const out = backend.makeOutput(a.shape, 'float32');
  exportsOf(backend).addRelu(size(a.shape), ptr(backend, a), ptr(backend, b), ptr(backend, out));
  return out;
}

/** Kernel func for `GcAddReluMean`: a, b [N, H, W, C] -> mean over H, W of relu(a + b), [N, C]. */
export function addReluMeanKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const [n, h, w, c] = a.shape;
  const out = backend.makeOutput([n, c], 'float32');
  const tmp = backend.makeOutput([c], 'float32');
  exportsOf(backend).addReluMean(n, h * w, c, ptr(backend, a), ptr(backend, b), ptr(backend, out), 1 / (h * w), ptr(backend, tmp));
  free(backend, tmp);
  return out;
}

/** Kernel func for `GcAddReluMeanGrad`: dy [N, C], a, b [N, H, W, C] -> (dy / (H*W)) * step(a + b). */
export function addReluMeanGradKernel(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { dy, a, b } = args.inputs as { dy: Info; a: Info; b: Info };
  const [n, h, w, c] = a.shape;
  const m = h * w;
  // dy / m as tfjs's Mean gradient divides (float32 results of a double division: correctly rounded).
  const g = backend.makeOutput([n, c], 'float32');
  const out = backend.makeOutput(a.shape, 'float32');
  // Views after the allocations (they may grow the heap).
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  const dst = backend.typedArrayFromHeap(g) as Float32Array;
  for (let i = 0; i < dst.length; i++) dst[i] = src[i] / m;
  exportsOf(backend).addReluMeanGrad(n, m, c, ptr(backend, g), ptr(backend, a), ptr(backend, b), ptr(backend, out));
  free(backend, g);
  return out;
}

const sameF32 = (a: tf.Tensor, b: tf.Tensor) => a.dtype === 'float32' && b.dtype === 'float32' && tf.util.arraysEqual(a.shape, b.shape) && a.size > 0;

/** relu(a + b) for a, b of one shape (broadcasts and other dtypes: tf.relu(tf.add(a, b))). */
export function addRelu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (hasKernel(ADD_RELU) && sameF32(a, b)) return tf.engine().runKernel(ADD_RELU, { a, b }) as tf.Tensor;
  return tf.relu(tf.add(a, b));
}

/** Global average pool of relu(a + b): a, b [N, H, W, C] -> [N, C] (tf.mean(relu(a + b), [1, 2])). */
export function addReluMean(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (hasKernel(ADD_RELU_MEAN) && a.rank === 4 && sameF32(a, b)) return tf.engine().runKernel(ADD_RELU_MEAN, { a, b }) as tf.Tensor2D;
  return tf.mean(addRelu(a, b), [1, 2]) as tf.Tensor2D;
}

/** Both inputs get the same gradient, each as its own tensor (storage shared). */
const both = (g: tf.Tensor) => ({ a: () => tf.clone(g), b: () => tf.clone(g) });

const addReluGrad: tf.GradConfig = {
  kernelName: ADD_RELU,
  // y > 0 exactly where a + b > 0: the mask from the output, one full-size read.
  outputsToSave: [true],
  gradFunc: (dy, saved) => both(reluGradOp(dy as tf.Tensor, saved[0])),
};

const addReluMeanGrad: tf.GradConfig = {
  kernelName: ADD_RELU_MEAN,
  inputsToSave: ['a', 'b'],
  gradFunc: (dyIn, saved) => {
    const [a, b] = saved;
    const dy = dyIn as tf.Tensor;
    const [n, h, w, c] = a.shape;
    if (!outerTapeRecording() && hasKernel(ADD_RELU_MEAN_GRAD) && dy.dtype === 'float32') {
      return both(tf.engine().runKernel(ADD_RELU_MEAN_GRAD, { dy, a, b }) as tf.Tensor);
    }
    // Differentiable in dy; the mask's derivative is zero (as tfjs's Relu gradient's).
    return both(tf.mul(tf.div(tf.reshape(dy, [n, 1, 1, c]), h * w), tf.step(tf.add(a, b))));
  },
};

let installed = false;

/** Registers the two gradients above (once); returns the names registered on this call. */
export function installResidualGradients(): string[] {
  if (installed) return [];
  installed = true;
  tf.registerGradient(addReluGrad);
  tf.registerGradient(addReluMeanGrad);
  return [`grad:${ADD_RELU}`, `grad:${ADD_RELU_MEAN}`];
}
