import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '#tf';
import { ModelSchema } from '../../src/config/schema.js';
import { buildModel } from '../../src/models/build.js';
import { loadModel } from '../../src/models/custom-layers.js';
import { MODEL_JSON, saveModel, WEIGHTS_FILE } from '../../src/results/model-io.js';
import { Rng } from '../../src/rng/rng.js';
import { tempDir } from '../helpers/tmp.js';
import { useBackend } from '../helpers/tf.js';

const ARCHS = [
  { arch: 'mlp', widths: [12, 8], activation: 'tanh' },
  { arch: 'cnn', channels: [4], dense: [6] },
  // Both custom layers: GcBatchNormalization (with fused relu) and GcResidualJoin.
  { arch: 'resnet18', width: 2 },
  { arch: 'vgg', channels: [[3], [4]], batch_norm: true },
];

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: save, load, identical predictions for every architecture (custom layers, batch-norm statistics included)`, async () => {
    await useBackend(backend);
    const { dir, cleanup } = tempDir();
    try {
      for (const spec of ARCHS) {
        const cfg = ModelSchema.parse(spec);
        const shape: [number, number, number] = cfg.arch === 'mlp' ? [6, 6, 1] : [12, 12, 3];
        const model = buildModel(cfg, shape, 5, 3);
        // Non-trivial running statistics, so a loader that dropped non-trainable weights would differ.
        const rng = new Rng(7);
        const x = tf.tensor4d(Float32Array.from({ length: 4 * shape[0] * shape[1] * shape[2] }, () => rng.normal()), [4, ...shape]);
        tf.tidy(() => void model.apply(tf.mul(x, 2), { training: true }));
        const before = tf.memory().numTensors;
        const out = join(dir, cfg.arch);
        await saveModel(model, out);
        assert.deepEqual(readdirSync(out).sort(), [MODEL_JSON, WEIGHTS_FILE].sort());
        const json = JSON.parse(readFileSync(join(out, MODEL_JSON), 'utf8'));
        assert.equal(json.format, 'layers-model');
        assert.deepEqual(json.weightsManifest[0].paths, [WEIGHTS_FILE]);
        assert.equal(tf.memory().numTensors, before, `${cfg.arch}: saving leaks no tensors`);
        const loaded = await loadModel(out);
        const a = model.predict(x) as tf.Tensor;
        const b = loaded.predict(x) as tf.Tensor;
        assert.deepEqual(Array.from(await b.data()), Array.from(await a.data()), `${cfg.arch}: same logits`);
        assert.equal(loaded.weights.length, model.weights.length);
        tf.dispose([a, b, x]);
        loaded.dispose();
        model.dispose();
      }
    } finally {
      cleanup();
    }
  });
}

test('saving over an existing model replaces it whole and leaves no temp folder; loadModel takes model.json too', async () => {
  await useBackend('cpu');
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'model');
    const m1 = buildModel(ModelSchema.parse({ arch: 'mlp', widths: [4] }), [3, 3, 1], 3, 1);
    const m2 = buildModel(ModelSchema.parse({ arch: 'mlp', widths: [4] }), [3, 3, 1], 3, 2);
    await saveModel(m1, out);
    await saveModel(m2, out);
    assert.deepEqual(readdirSync(dir), ['model']);
    const loaded = await loadModel(join(out, MODEL_JSON));
    const w2 = await m2.getWeights()[0].data();
    assert.deepEqual(Array.from(await loaded.getWeights()[0].data()), Array.from(w2));
    assert.ok(!existsSync(join(dir, '.model.' + process.pid + '.tmp')));
    for (const m of [m1, m2, loaded]) m.dispose();
  } finally {
    cleanup();
  }
});
