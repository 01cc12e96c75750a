/**
 * gc-run's custom layers, registered with tfjs' serialization so that saved models
 * (results/model-io.ts) load with tf.loadLayersModel. Library users call registerGcLayers()
 * before loading a gc-run model themselves:
 *
 *   import { registerGcLayers } from 'gc-run/dist/src/models/custom-layers.js';
 *   registerGcLayers();
 *   const model = await tf.loadLayersModel('http://host/run/model/model.json');
 */
import * as tf from '#tf';
import { modelFileReader } from '../results/model-io.js';
import { GcBatchNormalization } from './batch-norm.js';
import { GcResidualJoin } from './residual-join.js';

/** Every layer class gc-run models may contain beyond tfjs-layers' own. */
export const CUSTOM_LAYERS = [GcBatchNormalization, GcResidualJoin] as const;

/** Registers CUSTOM_LAYERS with tf.serialization (idempotent). */
export function registerGcLayers(): void {
  for (const c of CUSTOM_LAYERS) tf.serialization.registerClass(c as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

/**
 * Loads a gc-run model saved by results/model-io.ts: `path` is a model.json file or a folder
 * holding one (a run's model/ or snapshots/epoch-NNNN/). Reads asynchronously; any backend.
 * The model maps [B, H, W, C] to logits [B, classes].
 */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  registerGcLayers();
  return tf.loadLayersModel(modelFileReader(path));
}
