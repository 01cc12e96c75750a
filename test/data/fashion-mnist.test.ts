import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../src/errors/errors.js';
import { sha256Hex } from '../../src/data/integrity.js';
import { DATA_DIR_ENV, packageRoot, resolveDataRoot } from '../../src/data/paths.js';
import { DATASETS, datasetDir, loadDataset } from '../../src/data/registry.js';
import { cleanupTempDirs, tempDir } from '../helpers/data-fixtures.js';

after(cleanupTempDirs);

const SHIPPED = join(packageRoot(), 'datasets', 'fashion-mnist');

test('the shipped Fashion-MNIST loads from the default folder: 60000/10000, 10 classes, [0,1]', async () => {
  const saved = process.env[DATA_DIR_ENV];
  delete process.env[DATA_DIR_ENV];
  try {
    const d = await loadDataset('fashion-mnist', { download: false });
    assert.equal(d.numClasses, 10);
    assert.deepEqual(d.shape, [28, 28, 1]);
    assert.equal(d.train.n, 60000);
    assert.equal(d.test.n, 10000);
    assert.equal(d.train.x.length, 60000 * 784);
    assert.equal(d.classNames?.length, 10);
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.train.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    for (const split of [d.train, d.test]) {
      const counts = new Array<number>(10).fill(0);
      for (const y of split.y) counts[y]++;
      assert.deepEqual(counts, new Array(10).fill(split.n / 10)); // Fashion-MNIST is exactly balanced
    }
  } finally {
    if (saved !== undefined) process.env[DATA_DIR_ENV] = saved;
  }
});

test('the shipped files match the SHA-256s recorded in code', async () => {
  for (const src of DATASETS['fashion-mnist'].sources) {
    const hash = sha256Hex(await readFile(join(SHIPPED, src.file)));
    assert.ok([src.sha256, ...(src.altSha256 ?? [])].includes(hash), `${src.file}: ${hash}`);
  }
});

test('a modified file fails its checksum with file, expected and actual hash', async () => {
  const root = await tempDir();
  const dir = join(root, 'fashion-mnist');
  await mkdir(dir);
  for (const src of DATASETS['fashion-mnist'].sources) {
    if (src.file === 'train-labels-idx1-ubyte.gz') {
      const buf = await readFile(join(SHIPPED, src.file));
      buf[buf.length - 10] ^= 0xff;
      await writeFile(join(dir, src.file), buf);
    } else await symlink(join(SHIPPED, src.file), join(dir, src.file));
  }
  const bad = sha256Hex(await readFile(join(dir, 'train-labels-idx1-ubyte.gz')));
  await assert.rejects(loadDataset('fashion-mnist', { dataDir: root, download: false }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /train-labels-idx1-ubyte\.gz: checksum mismatch/);
    assert.ok(e.message.includes(DATASETS['fashion-mnist'].sources[1].sha256));
    assert.ok(e.message.includes(`got ${bad}`));
    return true;
  });
});

test('data root: explicit option beats $GC_DATA_DIR beats the per-user folder, never the package folder', async () => {
  assert.equal(resolveDataRoot('/a/b', { [DATA_DIR_ENV]: '/c' }), '/a/b');
  assert.equal(resolveDataRoot(undefined, { [DATA_DIR_ENV]: '/c' }), '/c');
  assert.equal(resolveDataRoot(undefined, { XDG_DATA_HOME: '/x/share' }), '/x/share/gc-run');
  // A relative XDG_DATA_HOME is ignored (XDG Base Directory spec): ~/.local/share/gc-run.
  assert.equal(resolveDataRoot(undefined, { XDG_DATA_HOME: 'rel' }), join(homedir(), '.local', 'share', 'gc-run'));
  assert.equal(resolveDataRoot(undefined, {}), join(homedir(), '.local', 'share', 'gc-run'));
  // The env variable is honoured by loadDataset too.
  const root = await tempDir();
  const saved = process.env[DATA_DIR_ENV];
  process.env[DATA_DIR_ENV] = root;
  try {
    await assert.rejects(loadDataset('mnist', { download: false }), new RegExp(`${join(root, 'mnist')}/`));
  } finally {
    if (saved === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = saved;
  }
});

test('default folders: the shipped Fashion-MNIST is read from the package, a dataset to download goes to the per-user folder', () => {
  const saved = { dir: process.env[DATA_DIR_ENV], xdg: process.env.XDG_DATA_HOME };
  delete process.env[DATA_DIR_ENV];
  process.env.XDG_DATA_HOME = '/x/share';
  try {
    assert.equal(datasetDir('fashion-mnist'), SHIPPED);
    assert.equal(datasetDir('mnist'), '/x/share/gc-run/mnist');
    assert.equal(datasetDir('fashion-mnist', '/d'), '/d/fashion-mnist');
  } finally {
    if (saved.dir === undefined) delete process.env[DATA_DIR_ENV];
    else process.env[DATA_DIR_ENV] = saved.dir;
    if (saved.xdg === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = saved.xdg;
  }
});
