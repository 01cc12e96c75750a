import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRun as gcRunIn } from '../../src/cli/gc-run.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { applyOverrides, parseOverride } from '../../src/config/overrides.js';
import { MAX_SWEEP_RUNS } from '../../src/config/schema.js';
import { BIN, gcRun } from '../helpers/cli.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

const quiet = { stdout: { write: () => true }, stderr: { write: () => true } } as unknown as { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** Runs gc-run in process on the tiny config plus `args`; expects exit 2 with every `words` in the message and nothing written. */
async function rejects2(args: string[], words: (string | RegExp)[], yaml?: (out: string) => string): Promise<string> {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, (yaml ?? tinyConfigYaml)(join(dir, 'results')));
    let message = '';
    await assert.rejects(
      () => gcRunIn([file, '--progress', 'none', ...args], quiet),
      (err: Error) => {
        message = err.message;
        assert.equal(exitCodeFor(err), 2, err.stack);
        assert.ok(message.includes(file), `names the file: ${message}`);
        for (const w of words) {
          if (typeof w === 'string') assert.ok(message.includes(w), `says '${w}': ${message}`);
          else assert.match(message, w);
        }
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), ['c.yaml'], 'nothing written');
    return message;
  } finally {
    cleanup();
  }
}

for (const key of ['backend', 'output_dir', 'experiment']) {
  test(`sweep.grid.${key} is refused (one per experiment): config.json could not match the run`, async () => {
    const values = key === 'backend' ? '[wasm, cpu]' : '[a, b]';
    await rejects2(['--set', `sweep.grid.${key}=${values}`], [`sweep.grid.${key}`, 'cannot be swept']);
  });
}

test('impossible sizes are exit 2 naming key, value and limit (never clamped), also with --dry-run', async () => {
  for (const dry of [[], ['--dry-run']]) {
    await rejects2([...dry, '--set', 'dataset.train_size=100000'], ['dataset.train_size', '100000', '60000 training examples of fashion-mnist']);
    await rejects2([...dry, '--set', 'dataset.test_size=20000'], ['dataset.test_size', '20000', '10000 test examples']);
    await rejects2([...dry, '--set', 'dataset.train_size=200', '--set', 'gc.examples=5000'], ['gc.examples', '5000', 'the 200 training examples']);
    await rejects2([...dry, '--set', 'train.batch_size=100'], ['train.batch_size', '100', 'the 64 training examples']);
    await rejects2([...dry, '--set', 'sweep.grid.dataset.train_size=[64, 70000]'], ['sweep.grid.dataset.train_size', '70000', '60000']);
  }
});

test(`a grid beyond ${MAX_SWEEP_RUNS} runs is refused before expanding it (2x10^6 runs: exit 2 at once, count named)`, () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    const list = (n: number) => `[${Array.from({ length: n }, (_, i) => (i + 1) / 1000).join(', ')}]`;
    writeFileSync(file, tinyConfigYaml(join(dir, 'results'), `sweep: { grid: { optimizer.lr: ${list(2000)}, optimizer.momentum: ${list(100)}, gc.every: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, seeds: [0] }\n`));
    // Bounded: before the limit, this dry run spent 8 minutes expanding and died of heap exhaustion.
    const r = spawnSync(process.execPath, [BIN, file, '--dry-run'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
    assert.equal(r.signal, null, 'still expanding the grid after 60 s');
    assert.equal(r.status, 2, r.stderr.slice(0, 2000));
    assert.match(r.stderr, /= 2000000 runs, over the limit of 10000/);
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  } finally {
    cleanup();
  }
});

test('"runs i and j are identical" names the duplicates\' own positions', async () => {
  const msg = await rejects2(['--set', 'sweep.grid.optimizer.lr=[0.1, 0.1, 0.2, 0.2]'], ['runs 0 and 1', 'runs 2 and 3']);
  assert.doesNotMatch(msg, /runs 1 and 1/);
});

test('a YAML alias bomb (billion laughs) is exit 2 naming the file, not a stack trace', async () => {
  const bomb = (out: string) =>
    tinyConfigYaml(out) +
    'x0: &a0 [l, l, l, l, l, l, l, l, l, l]\n' +
    Array.from({ length: 8 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`).join('\n') +
    '\n';
  await rejects2([], ['aliases expand too far'], bomb);
  // In a --set value too (no file then: the message names the --set).
  await assert.rejects(
    () => gcRunIn(['x.yaml', '--set', `a=[&a [1,1,1,1,1,1,1,1,1,1], ${Array(200).fill('*a').join(', ')}]`], quiet),
    (err: Error) => exitCodeFor(err) === 2 && /--set a=.*aliases expand too far/.test(err.message),
  );
});

test('--set key=null and Hydra\'s ~key unset an optional key; a required key unset is exit 2 naming it', async () => {
  const raw = { train: { batch_size: 16, epochs: 2, stop_train_acc: 0.9 }, gc: { examples: 8 } };
  assert.deepEqual(applyOverrides(raw, [parseOverride('train.stop_train_acc=null')]).train, { batch_size: 16, epochs: 2 });
  assert.deepEqual(applyOverrides(raw, [parseOverride('~train.stop_train_acc')]).train, { batch_size: 16, epochs: 2 });
  assert.deepEqual(applyOverrides(raw, [parseOverride('~gc')]), { train: raw.train });
  // Hydra's meaning: ~ removes a key the config sets; one it does not set is an error (and creates nothing).
  assert.throws(() => applyOverrides(raw, [parseOverride('~no.such.key')]), /--set ~no\.such\.key: the config does not set no\.such\.key/);
  assert.deepEqual(applyOverrides(raw, [parseOverride('no.such.key=null')]), raw, 'key=null on what is absent creates nothing');
  // Through the CLI: the dry run accepts the unset optional key...
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, tinyConfigYaml(join(dir, 'results'), '').replace('epochs: 2', 'epochs: 2, stop_train_acc: 0.9'));
    for (const unset of ['train.stop_train_acc=null', '~train.stop_train_acc']) {
      const ok = gcRun([file, '--dry-run', '--json', '--set', unset], dir);
      assert.equal(ok.status, 0, ok.stderr);
    }
  } finally {
    cleanup();
  }
  // ...and a required one unset is a clear exit 2.
  await rejects2(['--set', 'train.batch_size=null'], ['train.batch_size', 'unset by --set train.batch_size=null']);
  await rejects2(['--set', '~optimizer.lr'], ['optimizer.lr', 'unset by --set ~optimizer.lr']);
});
