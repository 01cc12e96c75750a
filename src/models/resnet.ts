import * as tf from '#tf';
import type { ModelConfig } from '../config/schema.js';
import type { InputShape } from './input-shape.js';
import { batchNormalization } from './batch-norm.js';
import { residualJoin } from './residual-join.js';
import { vggChannels } from './width.js';

/**
 * Batch-norm settings shared by the conv nets: PyTorch's defaults (momentum 0.1 there = 0.9 here,
 * eps 1e-5), so the running statistics used for GC and test evaluation track the weights within
 * tens of steps rather than the hundreds Keras' 0.99 would need.
 */
export const BN_ARGS = { momentum: 0.9, epsilon: 1e-5 } as const;

function conv(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number): tf.SymbolicTensor {
  return tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
}

function bn(x: tf.SymbolicTensor): tf.SymbolicTensor {
  return batchNormalization({ axis: -1, ...BN_ARGS }).apply(x) as tf.SymbolicTensor;
}

/**
 * BN then ReLU as one GcBatchNormalization with activation 'relu' (fused training passes; the
 * relu has no weights, so weights and their order are those of BN followed by a ReLU layer).
 */
function bnRelu(x: tf.SymbolicTensor): tf.SymbolicTensor {
  return batchNormalization({ axis: -1, ...BN_ARGS, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
}

/**
 * BasicBlock: conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the input (through a 1x1 conv + BN
 * projection when the stride or channel count changes), then ReLU; with `pool` also the global
 * average pool (output [B, filters]). The add, ReLU (and pool) are one GcResidualJoin (no weights).
 */
function basicBlock(x: tf.SymbolicTensor, filters: number, stride: number, pool = false): tf.SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  let h = bnRelu(conv(x, filters, 3, stride));
  h = bn(conv(h, filters, 3, 1));
  const shortcut = stride !== 1 || inChannels !== filters ? bn(conv(x, filters, 1, stride)) : x;
  return residualJoin({ pool }).apply([h, shortcut]) as tf.SymbolicTensor;
}

/**
 * CIFAR ResNet-18 (He et al. 2016, CIFAR variant as in the common PyTorch reference): 3x3
 * stride-1 stem conv with `width` channels, no max-pool; stages of width × [1, 2, 4, 8]
 * channels with two BasicBlocks each, stride 2 at the start of stages 2-4; convs without bias,
 * BN after every conv; global average pool; dense to logits.
 * Input [B, H, W, C] → logits [B, classes]. Weights are placeholders until initializeWeights.
 */
export function resnet18(cfg: Extract<ModelConfig, { arch: 'resnet18' }>, input: InputShape, classes: number): tf.LayersModel {
  const inp = tf.input({ shape: input });
  let x = bnRelu(conv(inp, cfg.width, 3, 1));
  [1, 2, 4, 8].forEach((mult, stage) => {
    x = basicBlock(x, cfg.width * mult, stage === 0 ? 1 : 2);
    // The last block's join includes the global average pool.
    x = basicBlock(x, cfg.width * mult, 1, stage === 3);
  });
  const logits = tf.layers.dense({ units: classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: logits, name: 'resnet18' });
}

/**
 * VGG-style net: per stage, 3x3 same convs (each + BN if `batch_norm`, then the activation; BN
 * and a relu are one GcBatchNormalization with activation 'relu'),
 * then a 2x2 max-pool; flatten, optional hidden dense layers, dense to logits.
 * Input [B, H, W, C] → logits [B, classes].
 */
export function vgg(cfg: Extract<ModelConfig, { arch: 'vgg' }>, input: InputShape, classes: number): tf.LayersModel {
  const model = tf.sequential({ name: 'vgg' });
  model.add(tf.layers.inputLayer({ inputShape: input }));
  for (const stage of vggChannels(cfg)) {
    for (const ch of stage) {
      model.add(tf.layers.conv2d({ filters: ch, kernelSize: 3, padding: 'same', useBias: !cfg.batch_norm }));
      if (cfg.batch_norm && cfg.activation === 'relu') {
        // BN + relu fused into one layer (same weights: the activation layer has none).
        model.add(batchNormalization({ axis: -1, ...BN_ARGS, activation: 'relu' }));
      } else {
        if (cfg.batch_norm) model.add(batchNormalization({ axis: -1, ...BN_ARGS }));
        model.add(tf.layers.activation({ activation: cfg.activation }));
      }
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  model.add(tf.layers.flatten());
  for (const w of cfg.dense) model.add(tf.layers.dense({ units: w, activation: cfg.activation }));
  model.add(tf.layers.dense({ units: classes }));
  return model;
}
