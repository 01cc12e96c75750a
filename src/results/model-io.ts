/**
 * Saved models in TensorFlow.js layers format (model.json + one weights file), written and read
 * through our own IO handler with node:fs, so it works on every backend (tfjs-node's file://
 * handler is optional and usually absent). The folder is the standard layout: a browser can
 * load it with tf.loadLayersModel('<url>/model.json') once gc-run's custom layers are
 * registered (models/custom-layers.ts).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '#tf';
import { GcRunError } from '../errors/errors.js';
import { makeFolder, refuseLink, WriteFailure, writeSynced } from './fs-safe.js';
import { readCheckedWeights, readModelJson } from './model-artifacts.js';
import { atomicTempPath } from './atomic.js';

/** Folder of a run's final model: <run dir>/model. */
export const MODEL_DIR = 'model';
/** Folder of a run's per-epoch snapshots (train.save_every): <run dir>/snapshots/epoch-NNNN. */
export const SNAPSHOTS_DIR = 'snapshots';
export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** <run dir>/snapshots/epoch-0005 for epoch 5. */
export function snapshotDir(runDir: string, epoch: number): string {
  return join(runDir, SNAPSHOTS_DIR, `epoch-${String(epoch).padStart(4, '0')}`);
}


/**
 * Replaces folder `dir` with a freshly written one atomically enough for readers and crashes:
 * the files go to a temp folder beside it, then the temp folder is renamed into place (an old
 * folder is first renamed aside and removed after). A crash leaves the old folder or the new,
 * plus at most a dot-named temp folder; never a half-written model.json or weights file.
 */
function replaceDirAtomic(dir: string, files: Record<string, Uint8Array>): void {
  const parent = dirname(dir);
  // Never through a link: model/, snapshots/ and their temp folders are ours or refused.
  refuseLink(parent);
  refuseLink(dir);
  makeFolder(parent);
  const tmp = atomicTempPath(dir);
  const old = join(parent, `.${basename(dir)}.${process.pid}.old`);
  refuseLink(tmp);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const [name, bytes] of Object.entries(files)) writeSynced(join(tmp, name), [bytes], 'wx');
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
  } catch (err) {
    // Disk full and the like: no half-written temp folder stays behind (the old model stays).
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
    throw err instanceof GcRunError ? err : new WriteFailure(dir, err);
  }
  rmSync(old, { recursive: true, force: true });
}

/** An IO handler whose save() writes model.json and weights.bin into `dir` (atomically, see replaceDirAtomic). */
export function modelDirWriter(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) throw new Error('only layers models with a JSON topology can be saved');
      const weights = new Uint8Array(artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      replaceDirAtomic(dir, {
        [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(json) + '\n'),
        [WEIGHTS_FILE]: weights,
      });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/** Where a model lives: a model.json path, or a folder holding model.json. */
export function modelJsonPath(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, MODEL_JSON) : path;
}

/**
 * An IO handler whose load() reads `path` (model.json, or a folder holding it) and the weight
 * files its manifest names (inside its folder), asynchronously, after the checks of
 * model-artifacts.ts: a damaged or foreign model is a DataError naming the file (exit 2).
 */
export function modelFileReader(path: string): tf.io.IOHandler {
  const file = modelJsonPath(path);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = await readModelJson(file);
      return tf.io.getModelArtifactsForJSON(json, (manifest) => readCheckedWeights(manifest, dirname(file), file));
    },
  };
}

/** Removes a run's model/ and snapshots/ (a restarted run must not keep the previous run's models). */
export function removeSavedModels(runDir: string): void {
  rmSync(join(runDir, MODEL_DIR), { recursive: true, force: true });
  rmSync(join(runDir, SNAPSHOTS_DIR), { recursive: true, force: true });
}

/** Saves `model` into folder `dir` (replacing it atomically). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(modelDirWriter(dir));
}
