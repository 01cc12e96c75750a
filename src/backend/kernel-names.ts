/**
 * Names of gc-run's own tfjs kernels (no stock kernel has them): the contract between the ops
 * that call them by name (backend/ops/, metrics/vjp-stacked.ts) and the wasm implementations
 * registered under them (backend/wasm/). Backends without a kernel get the same values from
 * plain tf ops: every caller checks that the current backend has the kernel first.
 */

/** dy * step(x) in one pass (ops/relu-grad.ts). */
export const RELU_GRAD = 'GcReluGrad';

/** Batch-norm backward sums [2, C] and a * (b * scale) (ops/bn-fused.ts). */
export const BN_GRAD_SUMS = 'GcBnGradSums';
export const MUL_SCALED = 'GcMulScaled';

/** Training-mode batch norm and its backward passes (ops/bn-train.ts, wasm/bn-train.ts). */
export const BN_TRAIN = 'GcBatchNormTrain';
export const BN_MOMENTS = 'GcBnMoments';
export const CHANNEL_AFFINE = 'GcChannelAffine';
export const BN_RELU_GRAD_SUMS = 'GcBnReluGradSums';
export const CHANNEL_AFFINE_RELU = 'GcChannelAffineRelu';

/** The residual join relu(a + b), its pooled form and that form's gradient (ops/residual.ts). */
export const ADD_RELU = 'GcAddRelu';
export const ADD_RELU_MEAN = 'GcAddReluMean';
export const ADD_RELU_MEAN_GRAD = 'GcAddReluMeanGrad';

/**
 * Steps of the stacked exact-GC backward pass (metrics/vjp-stacked.ts; wasm/gc-backward.ts):
 * K cotangents stacked along the first axis meet what the forward saved once.
 */
export const RELU_GRAD_STACKED = 'GcReluGradStacked';
export const MUL_CHANNELS = 'GcMulChannels';
export const SPREAD_ROWS = 'GcSpreadRows';
export const GC_ADD = 'GcAdd';
export const MAX_POOL_MASK_2X2 = 'GcMaxPoolMask2x2';
export const UNPOOL_MASKED_2X2 = 'GcUnpoolMasked2x2';
