import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '#tf';
import { measureCommand } from '../../src/cli/measure.js';
import { MODEL_JSON, saveModel, WEIGHTS_FILE } from '../../src/results/model-io.js';
import { captureIo } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** A damage done to a copy of a good model folder, and the one line gc-measure must answer with. */
const CASES: [string, (dir: string) => void, RegExp][] = [
  ['truncated model.json', (d) => edit(d, MODEL_JSON, (t) => t.slice(0, t.length >> 1)), /model\.json: not valid JSON, truncated or damaged/],
  ['empty model.json', (d) => writeFileSync(join(d, MODEL_JSON), ''), /model\.json: empty file/],
  ['model.json is {}', (d) => writeFileSync(join(d, MODEL_JSON), '{}'), /model\.json: not a TensorFlow\.js layers model/],
  ['unknown layer class', (d) => edit(d, MODEL_JSON, (t) => t.replace(/"class_name":"Dense"/g, '"class_name":"NoSuchLayer"')), /model\.json: not a model gc-run can load \(.*NoSuchLayer/],
  ['manifest path outside the folder', (d) => edit(d, MODEL_JSON, (t) => t.replace(`"${WEIGHTS_FILE}"`, '"../../../../etc/passwd"')), /weightsManifest path '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd' is outside the model folder/],
  ['manifest path absolute', (d) => edit(d, MODEL_JSON, (t) => t.replace(`"${WEIGHTS_FILE}"`, '"/etc/passwd"')), /outside the model folder/],
  ['weights file missing', (d) => rmSync(join(d, WEIGHTS_FILE)), /weights\.bin: weights file named by .*model\.json is missing/],
  ['weights file empty', (d) => writeFileSync(join(d, WEIGHTS_FILE), ''), /weights\.bin: holds 0 bytes, but the 2 weights .* need 31400/],
  ['weights file truncated', (d) => editBytes(d, (b) => b.subarray(0, 1000)), /holds 1000 bytes, but the 2 weights .* need 31400/],
  ['weights file of odd length', (d) => editBytes(d, (b) => b.subarray(0, b.length - 1)), /holds 31399 bytes/],
  ['weights file twice the size', (d) => editBytes(d, (b) => Buffer.concat([b, b])), /holds 62800 bytes/],
  ['NaN in the weights', (d) => editBytes(d, (b) => (b.writeFloatLE(NaN, 400), b)), /weights\.bin: the model's weights are not finite \(.*kernel/],
  ['Infinity in a bias', (d) => editBytes(d, (b) => (b.writeFloatLE(-Infinity, b.length - 4), b)), /the model's weights are not finite \(.*bias/],
];

function edit(dir: string, name: string, f: (text: string) => string): void {
  writeFileSync(join(dir, name), f(readFileSync(join(dir, name), 'utf8')));
}
function editBytes(dir: string, f: (b: Buffer) => Buffer): void {
  writeFileSync(join(dir, WEIGHTS_FILE), f(readFileSync(join(dir, WEIGHTS_FILE))));
}

test('gc-measure on a damaged model: one line naming the file, exit 2, nothing on stdout (never a stack, a read outside the folder, or gc: NaN)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await tf.setBackend('cpu');
    const good = join(dir, 'good');
    // 784·10 + 10 float32 weights in 2 manifest entries: 31400 bytes.
    const small = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10 })] });
    await saveModel(small, good);
    small.dispose();
    const args = (p: string) => [p, '--dataset', 'fashion-mnist', '--examples', '20', '--backend', 'cpu'];
    const ok = captureIo();
    assert.equal(await measureCommand(args(good), ok.io), 0, ok.err());
    assert.match(ok.out(), /^gc: /m);
    for (const [name, damage, pattern] of CASES) {
      const bad = join(dir, name.replace(/\W+/g, '-'));
      cpSync(good, bad, { recursive: true });
      damage(bad);
      const c = captureIo();
      const code = await measureCommand(args(bad), c.io);
      assert.equal(code, 2, `${name}: ${c.err()}`);
      assert.match(c.err(), pattern, name);
      assert.equal(c.err().trim().split('\n').length, 1, `${name}: one line: ${c.err()}`);
      assert.equal(c.out(), '', name);
    }
  } finally {
    cleanup();
  }
});

test('gc-measure neural collapse needs two examples in each of two classes: too few is exit 2 before measuring, never a RangeError or cdnv 0', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 6, activation: 'tanh' }), tf.layers.dense({ units: 10 })] });
    await saveModel(model, dir);
    model.dispose();
    const run = async (...extra: string[]) => {
      const c = captureIo();
      const code = await measureCommand([dir, '--dataset', 'fashion-mnist', '--backend', 'cpu', '--json', ...extra], c.io);
      return { code, err: c.err(), out: c.out() };
    };
    for (const extra of [['--classes', '0,1', '--examples', '1'], ['--classes', '0,1', '--examples', '2'], ['--classes', '0-9', '--examples', '15'], ['--neural-collapse', '--examples', '3']]) {
      const r = await run(...extra);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.err}`);
      assert.match(r.err, /^gc-measure: .*--examples \d+: CDNV needs at least two classes with at least 2 examples each.*use more --examples/, extra.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.equal(r.out, '');
    }
    const ok = await run('--classes', '0,1', '--examples', '40');
    assert.equal(ok.code, 0, ok.err);
    assert.ok(JSON.parse(ok.out).neural_collapse.cdnv > 0);
  } finally {
    cleanup();
  }
});
