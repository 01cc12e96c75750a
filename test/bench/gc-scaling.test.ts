import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcScalingFactor } from '../../bench/gc-scaling.js';
import { targetRows, type Measurements } from '../../bench/targets.js';

const base: Measurements = {
  models: [],
  backends: [{ backend: 'wasm', models: {} }],
  torch: { ok: false, reason: '--no-torch' },
  sweep: { ok: false, reason: '--no-sweep' },
  memory: { ok: false, reason: '--no-memory' },
};

test('GC scaling target row: per-example time ratio judged against 1.5x; absent when not measured', () => {
  assert.ok(!targetRows(base).some((r) => r.target.startsWith('GC time per example')));
  const linear = { ok: true as const, backend: 'wasm', small: 256, large: 20000, smallSeconds: 0.1, largeSeconds: 8 };
  assert.ok(Math.abs(gcScalingFactor(linear) - 8 / 0.1 / (20000 / 256)) < 1e-12);
  const row = (g: Measurements['gcScaling']) => targetRows({ ...base, gcScaling: g }).find((r) => r.target.startsWith('GC time per example'))!;
  const pass = row(linear);
  assert.equal(pass.verdict, 'PASS');
  assert.match(pass.measured, /0\.100 s \(256\) -> 8\.00 s \(20000\) = 80\.0x for 78\.1x the examples \(wasm\): 1\.02x per example/);
  // The numbers before the fix: 0.10 s and 61 s.
  assert.equal(row({ ...linear, largeSeconds: 61 }).verdict, 'MISS');
  assert.equal(row({ ok: false, reason: 'ran past 600 s' }).verdict, 'n/a');
});
