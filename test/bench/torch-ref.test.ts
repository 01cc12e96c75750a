import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTorch } from '../../bench/torch-ref.js';

test('mergeTorch: per-model invocations make one result; failures only matter when nothing was measured', () => {
  const mlp = { ok: true as const, version: '1.13', blas: 'x/openblas', threads: 1, models: { mlp: { trainExPerS: 900, gcSeconds: 0.5 } } };
  const cnn = { ok: true as const, version: '1.13', blas: 'x/openblas', threads: 1, models: { cnn: { trainExPerS: 1500, gcSeconds: 0.6 } } };
  const bad = { ok: false as const, reason: 'torch_bench.py failed: boom' };
  assert.deepEqual(mergeTorch([mlp, bad, cnn]), { ok: true, version: '1.13', blas: 'x/openblas', threads: 1, models: { ...mlp.models, ...cnn.models } });
  assert.deepEqual(mergeTorch([bad]), bad);
  assert.deepEqual(mergeTorch([]), { ok: false, reason: 'no model was measured' });
});
