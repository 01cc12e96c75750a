/**
 * The three benchmark models of ../shared/reference/torch_bench.py as tfjs LayersModels, for
 * side-by-side speed figures. Initialisers are seeded (no ambient randomness); seeds start at 1
 * because tfjs treats seed 0 as "no seed" (Math.random).
 */
import * as tf from '#tf';
import { batchNormalization } from '../src/models/batch-norm.js';
import { residualJoin } from '../src/models/residual-join.js';

/** Benchmark model names, as in torch_bench.py. */
export type ReferenceModel = 'mlp' | 'cnn' | 'resblock';

/** Input shape [H, W, C] (NHWC without batch) of each reference model. */
export const INPUT_SHAPE: Record<ReferenceModel, [number, number, number]> = {
  mlp: [28, 28, 1],
  cnn: [28, 28, 1],
  resblock: [32, 32, 3],
};

/** mlp: [N,28,28,1] -> flatten -> dense 512 relu -> dense 512 relu -> dense 10 (logits [N,10]). */
function mlp(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed + i + 1 });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: INPUT_SHAPE.mlp }),
      tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ],
  });
}

/** cnn: conv 3x3x32 valid relu -> maxpool 2 -> conv 3x3x64 valid relu -> maxpool 2 -> dense 10. */
function cnn(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed + i + 1 });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: INPUT_SHAPE.cnn, filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ],
  });
}

/**
 * resblock: conv 3x3x64 same (no bias) + BN + relu -> [conv + BN + relu -> conv + BN] + skip ->
 * relu -> global average pool -> dense 10. Input [N,32,32,3]. Batch norm is GcBatchNormalization
 * (src/models/batch-norm.ts): tf.layers.batchNormalization's weights and semantics, faster training
 * pass; the two relus right after a BN are fused into it (activation 'relu'). The skip join, its
 * relu and the pool are one GcResidualJoin (src/models/residual-join.ts).
 */
function resblock(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed + i + 1 });
  const conv = (i: number) => tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(i) });
  const input = tf.input({ shape: INPUT_SHAPE.resblock });
  // BN + relu as one layer (activation 'relu': fused training passes, same weights).
  const stem = batchNormalization({ activation: 'relu' }).apply(conv(0).apply(input)) as tf.SymbolicTensor;
  let y = batchNormalization({ activation: 'relu' }).apply(conv(1).apply(stem)) as tf.SymbolicTensor;
  y = batchNormalization().apply(conv(2).apply(y)) as tf.SymbolicTensor;
  // relu(y + stem) and the global average pool as one layer (fused training passes, no weights).
  const pooled = residualJoin({ pool: true }).apply([y, stem]) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: init(3) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** Builds reference model `name` with seeded initialisers. Output: logits [N,10]. */
export function buildReferenceModel(name: ReferenceModel, seed = 0): tf.LayersModel {
  switch (name) {
    case 'mlp':
      return mlp(seed);
    case 'cnn':
      return cnn(seed);
    case 'resblock':
      return resblock(seed);
  }
}
