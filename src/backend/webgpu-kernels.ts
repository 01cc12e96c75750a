/**
 * Kernel fixes gc-run registers on tfjs's webgpu backend. tfjs-backend-webgpu 4.22's AddN binds
 * every input as its own storage buffer in one shader; WebGPU's default limit is 8 per stage,
 * so tf.addN of 8 or more tensors (||θ||² over a ResNet's ~60 weights, the per-class sums of
 * exact GC) failed validation and silently returned garbage. Ours sums in chunks that fit.
 * The max-pool gradients follow the first-maximum tie convention (webgpu-pool.ts).
 */
import * as tf from '#tf';
import { registerWebgpuPoolKernels, WEBGPU_POOL_KERNELS } from './webgpu-pool.js';

type Info = tf.TensorInfo;
interface WebgpuLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

let stock: tf.KernelConfig | undefined;

function addNChunked(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as WebgpuLike;
  const inputs = args.inputs as unknown as Info[];
  // One storage buffer is the output.
  const max = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
  const run = (xs: Info[]) => stock!.kernelFunc({ inputs: xs as unknown as tf.NamedTensorInfoMap, backend: args.backend as tf.KernelBackend, attrs: {} }) as Info;
  if (inputs.length <= max) return run(inputs);
  let acc = run(inputs.slice(0, max));
  for (let i = max; i < inputs.length; i += max - 1) {
    const next = run([acc, ...inputs.slice(i, i + max - 1)]);
    backend.disposeData(acc.dataId);
    acc = next;
  }
  return acc;
}

/** Registers the kernels above on 'webgpu' (idempotent); returns the names registered now. */
export function registerWebgpuKernels(): string[] {
  const pools = registerWebgpuPoolKernels();
  const cur = tf.getKernel('AddN', 'webgpu');
  if (!cur || cur.kernelFunc === (addNChunked as unknown as tf.KernelFunc)) return pools;
  stock = cur;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: addNChunked as unknown as tf.KernelFunc });
  return ['AddN', ...pools];
}

/** Names of the webgpu kernels gc-run provides. */
export function webgpuKernelNames(): string[] {
  return ['AddN', ...WEBGPU_POOL_KERNELS.map(([n]) => n)];
}
