import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, validateExperiment } from '../../src/config/load.js';
import { expandSweep, runHash } from '../../src/config/sweep.js';

const yamlA = `
experiment: s
model: { arch: mlp, widths: [8] }
optimizer: { lr: 0.1 }
train: { batch_size: 8, epochs: 1 }
sweep:
  grid:
    train.batch_size: [8, 32]
    optimizer.lr: [0.01, 0.1, 1]
  seeds: [0, 1]
`;
// Same content, keys in another order everywhere.
const yamlB = `
sweep:
  seeds: [0, 1]
  grid:
    optimizer.lr: [0.01, 0.1, 1]
    train.batch_size: [8, 32]
train: { epochs: 1, batch_size: 8 }
optimizer: { lr: 0.1 }
model: { widths: [8], arch: mlp }
experiment: s
`;

const expand = (y: string) => expandSweep(validateExperiment(parseYaml(y, 'x.yaml'), 'x.yaml'), 'x.yaml');

test('sweep expansion: seeds outermost, then sorted keys, values in listed order', () => {
  const runs = expand(yamlA);
  assert.equal(runs.length, 12);
  const order = runs.map((r) => [r.seed, (r.config.optimizer as { lr?: number }).lr, r.config.train.batch_size]);
  assert.deepEqual(order.slice(0, 6), [
    [0, 0.01, 8], [0, 0.01, 32], [0, 0.1, 8], [0, 0.1, 32], [0, 1, 8], [0, 1, 32],
  ]);
  assert.deepEqual(order.slice(6).map((o) => o[0]), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(runs.map((r) => r.index), [...Array(12).keys()]);
  assert.deepEqual(runs[1].swept, { 'optimizer.lr': 0.01, 'train.batch_size': 32 });
  assert.equal(runs[1].config.seed, 0);
});

test('run ids are readable, unique, stable across calls and independent of YAML key order', () => {
  const a = expand(yamlA);
  const b = expand(yamlB);
  assert.deepEqual(a.map((r) => r.id), b.map((r) => r.id));
  assert.deepEqual(a.map((r) => r.id), expand(yamlA).map((r) => r.id));
  assert.equal(new Set(a.map((r) => r.id)).size, a.length);
  assert.match(a[1].id, /^lr=0\.01,batch_size=32-s0-[0-9a-f]{8}$/);
  // The config hash is data on the planned run (run.json's config_hash), the id's last part.
  for (const r of a) assert.equal(r.hash, runHash(r.config)), assert.ok(r.id.endsWith(`-${r.hash}`));
});

test('run ids change when a non-swept setting changes, not when output_dir or backend do', () => {
  const a = expand(yamlA);
  const moved = expand(yamlA + 'output_dir: elsewhere\nbackend: cpu\n');
  assert.deepEqual(a.map((r) => r.id), moved.map((r) => r.id));
  const changed = expand(yamlA.replace('widths: [8]', 'widths: [9]'));
  assert.notEqual(a[0].id, changed[0].id);
});

test('a config without a sweep block is one run with the config seed', () => {
  const runs = expand(`experiment: one\nseed: 7\nmodel: { arch: cnn }\noptimizer: { lr: 0.1 }\ntrain: { batch_size: 8, epochs: 1 }\n`);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].seed, 7);
  assert.deepEqual(runs[0].swept, {});
  assert.match(runs[0].id, /^s7-[0-9a-f]{8}$/);
});

test('run ids ignore keys left at their schema default, so new defaulted keys keep old ids', () => {
  const a = expand(yamlA);
  const explicit = expand(yamlA + 'gc: { examples: 256 }\nregularizers: { weight_decay: 0 }\n');
  assert.deepEqual(a.map((r) => r.id), explicit.map((r) => r.id));
  const changed = expand(yamlA + 'gc: { examples: 128 }\n');
  assert.notEqual(a[0].id, changed[0].id);
  const mlpDefault = expand(yamlA.replace('widths: [8]', 'widths: [8], activation: relu'));
  assert.deepEqual(a.map((r) => r.id), mlpDefault.map((r) => r.id));
});

test('withoutDefaults keeps exactly the values that differ from schema defaults (through the model union)', async () => {
  const { withoutDefaults } = await import('../../src/config/defaults.js');
  const { RunConfigSchema } = await import('../../src/config/schema.js');
  const cfg = RunConfigSchema.parse({
    experiment: 'x',
    model: { arch: 'mlp', widths: [8], init: { scale: 2 } },
    optimizer: { lr: 0.1 },
    train: { batch_size: 8, epochs: 1 },
  });
  assert.deepEqual(withoutDefaults(RunConfigSchema, cfg), {
    experiment: 'x',
    model: { arch: 'mlp', widths: [8], init: { scale: 2 } },
    optimizer: { lr: 0.1 },
    train: { batch_size: 8, epochs: 1 },
  });
});
