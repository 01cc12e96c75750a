import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '#tf';
import { geometricComplexity, type LogitsFn } from '../../src/metrics/gc.js';
import { projectedGeometricComplexity } from '../../src/metrics/gc-projection.js';
import type { HostExamples } from '../../src/metrics/examples.js';
import { Rng } from '../../src/rng/rng.js';
import { relDiff, useBackend } from '../helpers/tf.js';

/**
 * Issue 16: GC over N examples in batches cost O(N²) on wasm because each batch was cut with
 * tf.slice, whose wasm kernel copies the WHOLE source tensor (readSync). Not a timing test: we
 * count the values the backend copies out synchronously during a pass. Linear means a bounded
 * number of whole-set reads (one host copy of a tensor input), not one per batch.
 */
function countSyncReads(): { values: () => number; restore: () => void } {
  const backend = tf.backend() as unknown as { readSync: (id: object, s?: number, e?: number) => ArrayLike<number> };
  const orig = backend.readSync;
  let values = 0;
  backend.readSync = function (id, s, e) {
    const r = orig.call(this, id, s, e);
    values += r.length;
    return r;
  };
  return { values: () => values, restore: () => void (backend.readSync = orig) };
}

test('GC passes copy each example O(1) times on wasm, not once per batch (exact and projection)', async () => {
  await useBackend('wasm');
  const rng = new Rng(3);
  const [n, d, c, bs] = [256, 48, 4, 8];
  const W = tf.tensor2d(Float32Array.from({ length: d * c }, () => rng.normal()), [d, c]);
  const f: LogitsFn = (x) => tf.tanh(tf.matMul(tf.reshape(x, [x.shape[0], d]), W)) as tf.Tensor2D;
  const host: HostExamples = { x: Float32Array.from({ length: n * d }, () => rng.normal()), n, shape: [d, 1, 1] };
  const x = tf.tensor4d(host.x, [n, d, 1, 1]);
  const before = tf.memory().numTensors;
  for (const [name, run] of [
    ['exact, tensor input', () => geometricComplexity(f, x, c, bs, 'replicate')],
    ['exact, host input', () => geometricComplexity(f, host, c, bs, 'replicate')],
    ['projection, tensor input', () => projectedGeometricComplexity(f, x, c, bs, 2, new Rng(1))],
  ] as const) {
    const spy = countSyncReads();
    try {
      await run();
    } finally {
      spy.restore();
    }
    // Per batch only its logits-sized scalars are read; the examples themselves at most once.
    assert.ok(spy.values() <= 2 * n * d, `${name}: ${spy.values()} values read synchronously for ${n * d} example values (${n / bs} batches)`);
  }
  // Same number from host examples and from the tensor.
  const a = await geometricComplexity(f, x, c, bs, 'replicate');
  const b = await geometricComplexity(f, host, c, 32, 'replay');
  assert.ok(relDiff(a, b) < 1e-5, `${a} vs ${b}`);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([W, x]);
});
