/**
 * Faster / missing TensorFlow.js wasm kernels for training and GC computation on CPU.
 * Call `registerWasmKernels()` once the wasm backend is selected.
 */
import * as tf from '#tf';
import { captureStock } from '../kernel-call.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv-backprop.js';
import { batchMatMul, fusedMatMul } from './matmul.js';
import { mean, sum } from './reduce.js';
import { tile } from './tile.js';
import { transpose } from './transpose.js';
import { maxPool, maxPoolGrad, maxPoolWithArgmax } from './pooling.js';
import { installGcGradients } from '../ops/gradients.js';
import { conv2D, fusedConv2D } from './winograd.js';
import { GC_KERNELS } from './gc-backward.js';
import { BINARY_KERNELS } from './elementwise.js';
import { UNARY_KERNELS } from './unary.js';
import { fusedBatchNorm } from './batch-norm.js';
import { RELU_GRAD, reluGradKernel } from '../ops/relu-grad.js';
import { BN_GRAD_SUMS, bnGradSumsKernel, MUL_SCALED, mulScaledKernel } from '../ops/bn-fused.js';
import {
  BN_MOMENTS, BN_RELU_GRAD_SUMS, BN_TRAIN, bnMomentsKernel, bnReluGradSumsKernel, bnTrainKernel, CHANNEL_AFFINE, CHANNEL_AFFINE_RELU,
  channelAffineKernel, channelAffineReluKernel,
} from './bn-train.js';
import {
  ADD_RELU, ADD_RELU_MEAN, ADD_RELU_MEAN_GRAD, addReluKernel, addReluMeanGradKernel, addReluMeanKernel,
} from '../ops/residual.js';

type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];

/** Our kernels, by kernel name. Those that override a stock kernel delegate to it where they can. */
const OURS: [string, KernelFn][] = [
  ['Conv2DBackpropFilter', conv2DBackpropFilter],
  ['Conv2DBackpropInput', conv2DBackpropInput],
  ['Conv2D', conv2D],
  ['FusedConv2D', fusedConv2D],
  ['BatchMatMul', batchMatMul],
  ['_FusedMatMul', fusedMatMul],
  ['Sum', sum],
  ['Mean', mean],
  ['Tile', tile],
  ['Transpose', transpose],
  ['MaxPool', maxPool],
  ['MaxPoolGrad', maxPoolGrad],
  ['MaxPoolWithArgmax', maxPoolWithArgmax],
  // Stacked exact-GC backward steps (names of our own; src/metrics/vjp-stacked.ts).
  ...GC_KERNELS,
  // float32 SIMD elementwise ops, storage-sharing Identity/Cast (elementwise.ts, unary.ts).
  ...(BINARY_KERNELS as [string, KernelFn][]),
  ...(UNARY_KERNELS as [string, KernelFn][]),
  ['FusedBatchNorm', fusedBatchNorm],
  // Not a stock kernel: the one-pass Relu gradient (relu-grad.ts).
  [RELU_GRAD, reluGradKernel as KernelFn],
  // Not stock kernels: fused batch-norm gradient sums and the one-pass Square gradient (bn-fused.ts).
  [BN_GRAD_SUMS, bnGradSumsKernel as KernelFn],
  [MUL_SCALED, mulScaledKernel as KernelFn],
  // Not stock kernels: training-mode batch norm and its backward passes (bn-train.ts).
  [BN_TRAIN, bnTrainKernel as KernelFn],
  [BN_MOMENTS, bnMomentsKernel as KernelFn],
  [CHANNEL_AFFINE, channelAffineKernel as KernelFn],
  [BN_RELU_GRAD_SUMS, bnReluGradSumsKernel as KernelFn],
  [CHANNEL_AFFINE_RELU, channelAffineReluKernel as KernelFn],
  // Not stock kernels: the residual join relu(a + b) and its pooled form (residual.ts).
  [ADD_RELU, addReluKernel as KernelFn],
  [ADD_RELU_MEAN, addReluMeanKernel as KernelFn],
  [ADD_RELU_MEAN_GRAD, addReluMeanGradKernel as KernelFn],
];

const installed = new Set<KernelFn>();

/**
 * Registers our wasm kernels (replacing the stock ones of the same name). Idempotent. Returns
 * the names of the kernels it registered on this call (empty when already registered), and
 * `grad:FusedConv2D` when linear fused convs get per-input lazy gradients (fused-conv-grad.ts),
 * `grad:FusedBatchNorm` / `grad:Mean` for the cheaper batch-norm gradients of norm-grads.ts
 * (backend-independent, so they apply to every backend once registered), and `grad:Relu`
 * (uses the wasm kernel GcReluGrad where the current backend has it, relu-grad.ts), and the
 * gradients of the training-mode batch-norm kernels (bn-train.ts) and of the residual join (residual.ts).
 * Gradients that second-order penalties need are backend-independent and registered by
 * src/regularizers/second-order.ts.
 */
export function registerWasmKernels(): string[] {
  const done: string[] = [];
  // Capture every stock config first: composites call stock kernels by name.
  for (const [name] of OURS) {
    const cur = tf.getKernel(name, 'wasm');
    if (!cur || !installed.has(cur.kernelFunc as unknown as KernelFn)) captureStock(name);
  }
  for (const [name, fn] of OURS) {
    const cur = tf.getKernel(name, 'wasm');
    if (cur && installed.has(cur.kernelFunc as unknown as KernelFn)) continue;
    if (cur) tf.unregisterKernel(name, 'wasm');
    installed.add(fn);
    // Keep the stock setupFunc: it binds the C function our override delegates to, and must run
    // again if the backend is ever re-initialised.
    tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: cur?.setupFunc, kernelFunc: fn as unknown as tf.KernelFunc });
    done.push(name);
  }
  done.push(...installGcGradients());
  return done;
}

/** Names of the wasm kernels gc-run provides (whether or not registered yet). */
export function wasmKernelNames(): string[] {
  return OURS.map(([name]) => name);
}
