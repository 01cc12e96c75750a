import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * gc-run as a user gets it: `npm pack` the checkout, `npm install -g` the tarball into an empty
 * prefix with npm's default settings (npm 11 runs no dependency install scripts by default), and
 * run the installed bins from an unrelated folder. npm resolves the tarball's dependencies from
 * its cache where it can (--prefer-offline: `npm ci` filled it), else from the configured registry.
 * The pack step skips scripts: `npm test` has just built dist/ (prepack would rebuild the same).
 */

// npm passes its own settings to scripts as npm_* variables (npm test → this file); a nested
// npm must see only the user's configuration, as in a terminal.
function userEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith('npm_') || /^npm_config_(cache|userconfig|registry)$/i.test(k)) env[k] = v;
  }
  for (const k of ['GC_DATA_DIR', 'GC_DATA_MIRROR', 'XDG_DATA_HOME']) delete env[k];
  return { ...env, ...extra };
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}): exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('npm pack + npm install -g into an empty prefix: four working bins, results/ under the current folder, downloads never into the prefix', { timeout: 600_000 }, () => {
  const { dir, cleanup } = tempDir('gc-run-pack-');
  try {
    const env = userEnv({ XDG_DATA_HOME: join(dir, 'xdg') });
    const packed = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], packageRoot(), env);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    for (const f of ['bin/gc-run.js', 'dist/src/cli/gc-run.js', 'dist/src/backend/kernels.wasm', 'datasets/fashion-mnist/train-images-idx3-ubyte.gz', 'LICENSE', 'README.md']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}`);
    }
    const unwanted = files.filter((f) => /^(test|bench|dist\/test|dist\/bench|results|docs|src)\//.test(f) || f.endsWith('.map'));
    assert.deepEqual(unwanted, [], 'no tests, benchmarks, sources or study results in the tarball');

    const prefix = join(dir, 'prefix');
    sh('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, info.filename)], dir, env);
    const bin = (name: string) => join(prefix, 'bin', name);
    for (const b of ['gc-run', 'gc-report', 'gc-data', 'gc-measure']) assert.ok(existsSync(bin(b)), `${b} is not installed in ${prefix}/bin`);
    const installed = join(prefix, 'lib', 'node_modules', 'gc-run');
    assert.ok(!existsSync(join(installed, 'node_modules', '@tensorflow', 'tfjs')), 'the @tensorflow/tfjs umbrella is not installed');

    const work = join(dir, 'work');
    mkdirSync(work);
    // The main job in flag mode, 1 epoch, on a small subset of the shipped Fashion-MNIST.
    const run = sh(bin('gc-run'), ['--dataset', 'fashion-mnist', '--reg', 'lr', '--reg-strength', '0.05,0.1', '--epochs', '1', '--progress', 'none',
      'dataset.train_size=256', 'dataset.test_size=100', 'gc.examples=32'], work, env);
    const experiments = readdirSync(join(work, 'results'));
    assert.equal(experiments.length, 1, `results/ under the current folder: ${experiments.join(', ')}`);
    const runs = readdirSync(join(work, 'results', experiments[0]));
    assert.equal(runs.length, 2, runs.join(', '));
    // auto names the missing optional GPU packages once, with the command that installs them.
    const notes = run.stderr.split('\n').filter((l) => l.includes('optional GPU backend(s) not installed'));
    assert.equal(notes.length, 1, run.stderr);
    assert.match(notes[0], /@tensorflow\/tfjs-node-gpu@4\.22\.0.*npm install --prefix '.*gc-run' --omit=dev /);

    const report = sh(bin('gc-report'), [], work, env);
    assert.ok(existsSync(join(work, 'results', 'report')), `gc-report wrote results/report/\n${report.stderr}`);
    const measure = sh(bin('gc-measure'), [join('results', experiments[0], runs[0]), '--examples', '16', '--json'], work, env);
    const m = JSON.parse(measure.stdout) as { gc: { value: number } };
    assert.ok(Number.isFinite(m.gc.value) && m.gc.value > 0, measure.stdout);
    const data = sh(bin('gc-data'), ['verify', 'fashion-mnist'], work, env);
    assert.match(data.stdout, /fashion-mnist/);

    // A dataset that is not shipped goes to $XDG_DATA_HOME/gc-run (here: refused download, nothing left).
    const fetch = spawnSync(bin('gc-data'), ['fetch', 'mnist', '--mirror', 'http://127.0.0.1:9/'], { cwd: work, env, encoding: 'utf8' });
    assert.equal(fetch.status, 2, fetch.stderr);
    assert.match(fetch.stderr, new RegExp(`${join(dir, 'xdg', 'gc-run', 'mnist')}/`));
    assert.deepEqual(readdirSync(join(installed, 'datasets')), ['fashion-mnist'], 'nothing downloaded into the install prefix');
  } finally {
    cleanup();
  }
});
