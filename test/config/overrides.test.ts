import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcRun } from '../../src/cli/gc-run.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { applyOverrides, parseOverride } from '../../src/config/overrides.js';
import { splitTopLevel, sweepValues } from '../../src/config/multirun.js';
import { packageRoot } from '../../src/results/record.js';
import { tempDir, tinyConfigYaml } from '../helpers/tmp.js';

/** Hydra-style overrides, as docs/CONFIG.md's "Overrides" table documents them (the README links there). */

const CONFIG_DOC = readFileSync(join(packageRoot(), 'docs', 'CONFIG.md'), 'utf8');
const TINY = (out: string) => tinyConfigYaml(out).replace('epochs: 2', 'epochs: 2, stop_train_acc: 0.9');

interface Plan {
  runs: { swept: Record<string, unknown>; epochs: number }[];
}

/** gc-run in process on the tiny config: `CFG` in `args` is replaced by the config file. */
async function run(args: string[], yaml = TINY): Promise<{ code: number; plan?: Plan; error?: Error; written: string[] }> {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, yaml(join(dir, 'results')));
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } } as unknown as Parameters<typeof gcRun>[1];
    try {
      const code = await gcRun([...args.map((a) => (a === 'CFG' ? file : a)), '--dry-run', '--json'], io);
      return { code, plan: JSON.parse(out) as Plan, written: readdirSync(dir) };
    } catch (error) {
      return { code: exitCodeFor(error), error: error as Error, written: readdirSync(dir) };
    }
  } finally {
    cleanup();
  }
}

async function rejects(args: string[], ...words: (string | RegExp)[]): Promise<void> {
  const r = await run(args);
  assert.equal(r.code, 2, `${args.join(' ')}: ${r.error?.stack ?? 'exit 0'}`);
  for (const w of words) {
    if (typeof w === 'string') assert.ok(r.error!.message.includes(w), `${args.join(' ')}: says '${w}': ${r.error!.message}`);
    else assert.match(r.error!.message, w);
  }
  assert.equal(r.error!.message.includes('\n    at '), false, 'no stack trace');
  assert.deepEqual(r.written, ['c.yaml'], 'nothing written');
}

test('docs/CONFIG.md documents each override form tested here', () => {
  for (const form of [
    'gc-run CFG optimizer.lr=0.1',
    '--set optimizer.lr=0.1',
    'gc-run CFG -m optimizer.lr=0.01,0.1',
    "-m train.batch_size='range(16,65,16)'",
    'choice(a,b)',
    'gc-run CFG +train.flow_time=10',
    'gc-run CFG ++train.epochs=5',
    "gc-run CFG '~train.stop_train_acc'",
    '`~key=v`: only if it is v',
    'did you mean optimizer.lr?',
  ]) {
    assert.ok(CONFIG_DOC.includes(form), `docs/CONFIG.md lacks ${form}`);
  }
});

test('key=value after the config, or with --set, sets any key', async () => {
  for (const args of [['CFG', 'optimizer.lr=0.1'], ['CFG', '--set', 'optimizer.lr=0.1']]) {
    const r = await run(args);
    assert.equal(r.code, 0, r.error?.message);
  }
  await rejects(['optimizer.lr=0.1', 'CFG'], 'unexpected argument', 'the config comes first: gc-run ', 'c.yaml optimizer.lr=0.1');
  const raw = { optimizer: { lr: 0.5 } };
  assert.deepEqual(applyOverrides(raw, [parseOverride('optimizer.lr=0.1', { label: '' })]), { optimizer: { lr: 0.1 } });
  assert.equal((await run(['CFG', 'train.epochs=3'])).plan!.runs[0].epochs, 3);
});

test('-m key=a,b,c and -m key=range(...) make sweep axes, as sweep.grid', async () => {
  const r = await run(['CFG', '-m', 'optimizer.lr=0.01,0.1', 'train.batch_size=range(16,65,16)']);
  assert.equal(r.code, 0, r.error?.message);
  const swept = r.plan!.runs.map((x) => x.swept);
  assert.equal(swept.length, 2 * 4);
  assert.deepEqual([...new Set(swept.map((s) => s['optimizer.lr']))], [0.01, 0.1]);
  assert.deepEqual([...new Set(swept.map((s) => s['train.batch_size']))].sort((a, b) => Number(a) - Number(b)), [16, 32, 48, 64]);
  const c = await run(['CFG', '--multirun', '--set', 'train.epochs=choice(1,3)']);
  assert.deepEqual(c.plan!.runs.map((x) => x.swept['train.epochs']), [1, 3]);
  // A plain value under -m is a plain set; a YAML list keeps its commas.
  const p = await run(['CFG', '-m', 'sweep.seeds=[0,1]', 'train.epochs=4']);
  assert.equal(p.plan!.runs.length, 2);
  assert.ok(p.plan!.runs.every((x) => x.epochs === 4));
  assert.deepEqual(sweepValues('range(0,3)'), ['0', '1', '2']);
  assert.deepEqual(sweepValues('range(3)'), ['0', '1', '2']);
  assert.deepEqual(sweepValues('range(0,1,0.25)'), ['0', '0.25', '0.5', '0.75']);
  assert.deepEqual(splitTopLevel('[1,2],{a: 1, b: 2},"x,y"'), ['[1,2]', '{a: 1, b: 2}', '"x,y"']);
  assert.equal(sweepValues('[0.1,0.2]'), undefined);
  await rejects(['CFG', '-m', 'optimizer.lr=range(0,1e9)'], 'optimizer.lr=range(0,1e9)', 'more than 10000');
  await rejects(['CFG', '-m', 'optimizer.lr=range(a,b)'], 'range(0,3)');
  await rejects(['CFG', '-m', 'output_dir=a,b'], 'sweep.grid.output_dir', 'cannot be swept');
  // Without -m, a comma list is one string: the error says how to sweep it.
  await rejects(['CFG', 'optimizer.lr=0.1,0.3'], 'optimizer.lr', 'add -m (multirun): -m optimizer.lr=0.1,0.3');
});

test('+key adds a key the config does not set; ++key sets it either way', async () => {
  const r = await run(['CFG', '+train.flow_time=10']);
  assert.equal(r.code, 0, r.error?.message);
  assert.deepEqual(applyOverrides({ train: { epochs: 2 } }, [parseOverride('+train.flow_time=10', { label: '' })]), { train: { epochs: 2, flow_time: 10 } });
  await rejects(['CFG', '+train.epochs=3'], 'already sets train.epochs (to 2)', 'use train.epochs=3 to change it, or ++train.epochs=3');
  assert.equal((await run(['CFG', '++train.epochs=5'])).plan!.runs[0].epochs, 5);
  assert.equal((await run(['CFG', '++train.flow_time=10'])).code, 0);
  await rejects(['CFG', '+train.flow_tme=10'], 'train.flow_tme', 'did you mean train.flow_time?');
});

test('~key removes a key the config sets (~key=v only if it is v); unknown or unset keys are exit 2', async () => {
  const raw = { train: { epochs: 2, stop_train_acc: 0.9 } };
  assert.deepEqual(applyOverrides(raw, [parseOverride('~train.stop_train_acc')]), { train: { epochs: 2 } });
  assert.deepEqual(applyOverrides(raw, [parseOverride('~train.stop_train_acc=0.9')]), { train: { epochs: 2 } });
  assert.equal((await run(['CFG', '~train.stop_train_acc'])).code, 0);
  assert.equal((await run(['CFG', '--set', '~train.stop_train_acc'])).code, 0);
  await rejects(['CFG', '~train.stop_train_acc=0.8'], 'train.stop_train_acc is 0.9', 'not 0.8');
  await rejects(['CFG', '~train.flow_time'], 'does not set train.flow_time, nothing to remove');
  // Typos (issue 25, item 15): unknown key, exit 2, with the key meant. Before, these were silent no-ops.
  for (const typo of [['--set', '~train.stop_trian_acc'], ['--set', 'train.stop_trian_acc=null'], ['~train.stop_trian_acc']]) {
    await rejects(['CFG', ...typo], 'train.stop_trian_acc: unknown key', 'did you mean train.stop_train_acc?');
  }
});

test('a flag in the wrong place or a value YAML cannot parse: the message shows the right form', async () => {
  await rejects(['CFG', '--set', 'optimizer.lr', '0.1'], 'did you mean --set optimizer.lr=0.1?');
  await rejects(['CFG', 'optimizer.lr', '0.1'], 'did you mean optimizer.lr=0.1');
  await rejects(['CFG', '--set', 'optimizer.lr'], '--set optimizer.lr=VALUE');
  await rejects(['CFG', 'other.yaml'], "unexpected argument 'other.yaml'", 'key.path=value');
  await rejects(['CFG', 'optimizer.lr=[0.1'], 'not valid YAML', 'optimizer.lr=[0.01,0.1]');
});

test('an unknown key in the config file gets the nearest schema key', async () => {
  const r = await run(['CFG'], (out) => TINY(out).replace('optimizer: { lr: 0.1 }', 'optimizer: { lr: 0.1, momentun: 0.9 }'));
  assert.equal(r.code, 2);
  assert.match(r.error!.message, /optimizer\.momentun: unknown key \(not part of the config schema; did you mean optimizer\.momentum\?\)/);
  const far = await run(['CFG'], (out) => `${TINY(out)}zzzzzzzz: 1\n`);
  assert.match(far.error!.message, /zzzzzzzz: unknown key \(not part of the config schema\)/, 'no suggestion when nothing is near');
});
