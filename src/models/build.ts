import * as tf from '#tf';
import type { ModelConfig } from '../config/schema.js';
import { initializeWeights } from './init.js';
import type { InputShape } from './input-shape.js';
import { resnet18, vgg } from './resnet.js';
import { cnnChannels, mlpWidths } from './width.js';

export type { InputShape };

function mlp(cfg: Extract<ModelConfig, { arch: 'mlp' }>, input: InputShape, classes: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: input }));
  for (const w of mlpWidths(cfg)) model.add(tf.layers.dense({ units: w, activation: cfg.activation }));
  model.add(tf.layers.dense({ units: classes }));
  return model;
}

function cnn(cfg: Extract<ModelConfig, { arch: 'cnn' }>, input: InputShape, classes: number): tf.LayersModel {
  const model = tf.sequential();
  cnnChannels(cfg).forEach((ch, i) => {
    model.add(
      tf.layers.conv2d({
        filters: ch,
        kernelSize: 3,
        padding: 'valid',
        activation: cfg.activation,
        ...(i === 0 ? { inputShape: input } : {}),
      }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(tf.layers.flatten());
  for (const w of cfg.dense) model.add(tf.layers.dense({ units: w, activation: cfg.activation }));
  model.add(tf.layers.dense({ units: classes }));
  return model;
}

/** The untrained architecture for a config (tfjs placeholder weights; see buildModel). */
export function architecture(cfg: ModelConfig, input: InputShape, classes: number): tf.LayersModel {
  switch (cfg.arch) {
    case 'mlp':
      return mlp(cfg, input, classes);
    case 'cnn':
      return cnn(cfg, input, classes);
    case 'resnet18':
      return resnet18(cfg, input, classes);
    case 'vgg':
      return vgg(cfg, input, classes);
  }
}

/** Trainable parameters of a model (weights and biases; not batch-norm moving statistics). */
export function parameterCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((p: number, d) => p * (d ?? 1), 1), 0);
}

/**
 * Builds the model for a config: input [B, H, W, C] → logits [B, classes] (no softmax: GC is
 * defined on logits). Every weight is drawn from `seed`, so equal seeds give identical weights.
 */
export function buildModel(cfg: ModelConfig, input: InputShape, classes: number, seed: number): tf.LayersModel {
  const model = architecture(cfg, input, classes);
  initializeWeights(model, cfg.init, seed);
  return model;
}
