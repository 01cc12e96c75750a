/**
 * The TensorFlow.js API gc-run uses, imported everywhere as `import * as tf from '#tf'`
 * (package.json "imports"): core, layers and the cpu backend, what the `@tensorflow/tfjs`
 * umbrella gave minus its webgl, converter and data packages, which a Node CLI never loads.
 */
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { version_core } from '@tensorflow/tfjs-core';
import { version_layers } from '@tensorflow/tfjs-layers';

/** Package versions for run records (the umbrella's `tf.version`, without it). */
export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers } as const;
