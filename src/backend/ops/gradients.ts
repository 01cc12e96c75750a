/**
 * gc-run's gradient replacements, installed together: each uses one of our kernels where the
 * current backend has it and tf ops otherwise, so every backend that installs them computes the
 * same (cheaper, second-order-correct) gradients. tf.registerGradient is global: once installed
 * they apply to every backend of the process (registerWasmKernels and the webgpu set-up both call it).
 */
import { installLazyFusedConv } from './fused-conv-grad.js';
import { installNormGradients } from './norm-grads.js';
import { installReluGradient } from './relu-grad.js';
import { installBnFusedGradients } from './bn-fused.js';
import { installBnTrainGradients } from './bn-train.js';
import { installResidualGradients } from './residual.js';

/**
 * Installs them (idempotent); returns what was installed on this call: `grad:FusedConv2D` (lazy
 * per-input gradients of linear fused convs), `grad:FusedBatchNorm` / `grad:Mean`, `grad:Relu`,
 * and the gradients of the training-mode batch-norm kernels and of the residual join.
 */
export function installGcGradients(): string[] {
  const done: string[] = [];
  if (installLazyFusedConv()) done.push('grad:FusedConv2D');
  done.push(...installNormGradients());
  if (installReluGradient()) done.push('grad:Relu');
  done.push(...installBnFusedGradients());
  done.push(...installBnTrainGradients());
  done.push(...installResidualGradients());
  return done;
}
