import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRun } from '../../src/cli/gc-run.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { tempDir } from '../helpers/tmp.js';

const base = (out: string) => ({
  experiment: 'bad',
  output_dir: out,
  backend: 'cpu',
  dataset: '{ name: fashion-mnist, train_size: 64, test_size: 40 }',
  model: '{ arch: mlp, widths: [16] }',
  optimizer: '{ lr: 0.1 }',
  train: '{ batch_size: 16, epochs: 2 }',
});

function yamlOf(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

/** [case name, edit of the base fields (or raw YAML), dot path the message must name, words it must contain] */
const CASES: [string, (f: Record<string, string>) => Record<string, string> | string, string, string][] = [
  ['unknown top-level key', (f) => ({ ...f, learning_rate: '0.1' }), 'learning_rate', 'unknown key'],
  ['unknown nested key', (f) => ({ ...f, optimizer: '{ lr: 0.1, lrr: 2 }' }), 'optimizer.lrr', 'unknown key'],
  ['wrong type', (f) => ({ ...f, optimizer: '{ lr: fast }' }), 'optimizer.lr', 'expected number'],
  ['negative learning rate', (f) => ({ ...f, optimizer: '{ lr: -0.1 }' }), 'optimizer.lr', '>0'],
  ['negative epochs (0 is a measure-only run)', (f) => ({ ...f, train: '{ batch_size: 16, epochs: -1 }' }), 'train.epochs', '>=0'],
  ['mlp depth without any width', (f) => ({ ...f, model: '{ arch: mlp, widths: [], depth: 2 }' }), 'model.depth', 'needs model.width'],
  ['adam without a learning rate', (f) => ({ ...f, optimizer: '{ name: adam }' }), 'optimizer.lr', 'expected number'],
  ['fractional batch size', (f) => ({ ...f, train: '{ batch_size: 1.5, epochs: 1 }' }), 'train.batch_size', 'int'],
  ['missing required key', (f) => ({ ...f, train: '{ epochs: 1 }' }), 'train.batch_size', 'expected number'],
  ['unknown dataset', (f) => ({ ...f, dataset: '{ name: imagenet }' }), 'dataset.name', 'fashion-mnist'],
  ['unknown model arch', (f) => ({ ...f, model: '{ arch: transformer }' }), 'model.arch', 'mlp'],
  ['unknown backend', (f) => ({ ...f, backend: 'tpu' }), 'backend', 'wasm'],
  ['empty sweep list', (f) => ({ ...f, sweep: '{ grid: { optimizer.lr: [] } }' }), 'sweep.grid.optimizer.lr', '>=1'],
  ['sweep over a key that does not exist', (f) => ({ ...f, sweep: '{ grid: { optimizer.lrr: [0.1] } }' }), 'sweep.grid.optimizer.lrr', 'not a config key'],
  ['bad value inside a sweep list', (f) => ({ ...f, sweep: '{ grid: { optimizer.lr: [0.1, -1] } }' }), 'sweep.grid.optimizer.lr[1]', '>0'],
  ['unknown loss', (f) => ({ ...f, train: '{ batch_size: 16, epochs: 1, loss: hinge }' }), 'train.loss', 'mse'],
  ['non-positive flow time', (f) => ({ ...f, train: '{ batch_size: 16, epochs: 1, flow_time: 0 }' }), 'train.flow_time', '>0'],
  ['flow time with the Polyak step', (f) => ({ ...f, optimizer: '{ name: polyak, lr_max: 0.5 }', train: '{ batch_size: 16, epochs: 1, flow_time: 3 }' }), 'train.flow_time', 'needs optimizer.name sgd'],
  ['flow time with momentum', (f) => ({ ...f, optimizer: '{ lr: 0.1, momentum: 0.9 }', train: '{ batch_size: 16, epochs: 1, flow_time: 3 }' }), 'train.flow_time', 'needs optimizer.momentum 0, not 0.9'],
  ['flow time with a swept momentum', (f) => ({ ...f, train: '{ batch_size: 16, epochs: 1, flow_time: 3 }', sweep: '{ grid: { optimizer.momentum: [0, 0.5] } }' }), 'train.flow_time', 'needs optimizer.momentum 0, not 0.5'],
  ['nc_examples of one per class', (f) => ({ ...f, metrics: '{ neural_collapse: true, nc_examples: 10 }' }), 'metrics.nc_examples', 'at least 20'],
  ['nc_examples of 1', (f) => ({ ...f, metrics: '{ neural_collapse: true, nc_examples: 1 }' }), 'metrics.nc_examples', 'fewer than 2 examples to some of the 10 classes'],
  ['report.metric that is not a column name', (f) => ({ ...f, report: '{ metric: "gc margin" }' }), 'report.metric', 'column name'],
  ['report.metric swept', (f) => ({ ...f, sweep: '{ grid: { report.metric: [gc, gc_margin] } }' }), 'sweep.grid.report.metric', 'one per experiment'],
  ['label noise above 1', (f) => ({ ...f, dataset: '{ name: fashion-mnist, label_noise: 1.5 }' }), 'dataset.label_noise', '<=1'],
  ['experiment name with a slash', (f) => ({ ...f, experiment: 'a/b' }), 'experiment', 'letters'],
  ['malformed YAML', () => 'experiment: x\nmodel: { arch: mlp\n', 'line', 'malformed YAML'],
  ['top level is a list', () => '- 1\n- 2\n', '(root)', 'mapping'],
  ['duplicate key', (f) => yamlOf(f) + '\nbackend: cpu\n', 'line', 'malformed YAML'],
];

for (const [name, edit, path, words] of CASES) {
  test(`invalid config: ${name} → exit 2, names ${path}, writes nothing`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, 'results');
      const edited = edit(base(out));
      const file = join(dir, 'config.yaml');
      writeFileSync(file, typeof edited === 'string' ? edited : yamlOf(edited));
      await assert.rejects(
        () => gcRun([file, '--progress', 'none'], { stdout: process.stdout, stderr: process.stderr }),
        (err: Error) => {
          assert.equal(exitCodeFor(err), 2, `exit code for: ${err.message}`);
          assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
          assert.ok(err.message.includes(path), `message names ${path}: ${err.message}`);
          assert.ok(err.message.includes(words), `message says '${words}': ${err.message}`);
          return true;
        },
      );
      assert.equal(existsSync(out), false, 'no results folder may be created');
    } finally {
      cleanup();
    }
  });
}

test('missing config file and unknown flag are usage errors (exit 2)', async () => {
  for (const argv of [['/nonexistent/config.yaml'], ['--no-such-flag'], []]) {
    await assert.rejects(
      () => gcRun(argv, { stdout: process.stdout, stderr: { write: () => true } as unknown as NodeJS.WritableStream }),
      (err: Error) => exitCodeFor(err) === 2,
    );
  }
});
