import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CIFAR10_MEAN, CIFAR10_STD, channelStats, normalizePerChannel } from '../../src/data/normalize.js';
import { Rng } from '../../src/rng/rng.js';

test('normalises each channel with its own mean and std, in place', () => {
  // Two pixels of 3 channels.
  const x = new Float32Array([0.5, 0.5, 0.5, 1, 0, 0.4465]);
  const out = normalizePerChannel(x, CIFAR10_MEAN, CIFAR10_STD);
  assert.equal(out, x);
  const want = [
    (0.5 - 0.4914) / 0.247, (0.5 - 0.4822) / 0.2435, (0.5 - 0.4465) / 0.2616,
    (1 - 0.4914) / 0.247, (0 - 0.4822) / 0.2435, 0,
  ];
  want.forEach((w, i) => assert.ok(Math.abs(x[i] - w) < 1e-6, `value ${i}: ${x[i]} vs ${w}`));
});

test('normalising with the data\'s own channel stats gives mean 0 and std 1 per channel', () => {
  const rng = new Rng(3);
  const n = 4000;
  const x = new Float32Array(n * 3);
  // Channel k ~ Uniform(0, 1) * (k + 1) * 0.3 + 0.1 k: different location and scale per channel.
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) x[i * 3 + k] = rng.uniform() * (k + 1) * 0.3 + 0.1 * k;
  const s = channelStats(x, 3);
  // Uniform(a, a + w): mean a + w/2, std w / sqrt(12).
  for (let k = 0; k < 3; k++) {
    const w = (k + 1) * 0.3;
    assert.ok(Math.abs(s.mean[k] - (0.1 * k + w / 2)) < 0.02 * w);
    assert.ok(Math.abs(s.std[k] - w / Math.sqrt(12)) < 0.03 * w);
  }
  normalizePerChannel(x, s.mean, s.std);
  const t = channelStats(x, 3);
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(t.mean[k]) < 1e-5);
    assert.ok(Math.abs(t.std[k] - 1) < 1e-5);
  }
});

test('rejects mismatched channel counts and non-positive std', () => {
  assert.throws(() => normalizePerChannel(new Float32Array(4), [0, 0, 0], [1, 1, 1]), RangeError);
  assert.throws(() => normalizePerChannel(new Float32Array(3), [0, 0, 0], [1, 1]), RangeError);
  assert.throws(() => normalizePerChannel(new Float32Array(3), [0, 0, 0], [1, 0, 1]), RangeError);
});
