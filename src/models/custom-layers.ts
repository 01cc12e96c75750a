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
import { DataError, GcRunError } from '../errors/errors.js';
import { modelFileReader, modelJsonPath } from '../results/model-io.js';
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
 * The model maps [B, H, W, C] to logits [B, classes]. A damaged or foreign model is a DataError
 * (exit 2) naming the file.
 */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  registerGcLayers();
  try {
    return await tf.loadLayersModel(modelFileReader(path));
  } catch (err) {
    if (err instanceof GcRunError) throw err;
    // The files passed their checks (model-artifacts.ts), so what tfjs cannot build from them
    // (an unknown layer class, a topology or weight names that do not fit) is bad input too.
    const why = String((err as Error)?.message ?? err).split('\n')[0].trim();
    throw new DataError(`${modelJsonPath(path)}: not a model gc-run can load (${why})`);
  }
}
