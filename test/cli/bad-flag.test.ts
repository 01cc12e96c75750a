import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { tempDir } from '../helpers/tmp.js';

test('a bad flag is one line naming the program and its --help, exit 2, in all four commands (cli/exit.ts parseFlags)', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const prog of ['gc-run', 'gc-report', 'gc-data', 'gc-measure']) {
      const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', `${prog}.js`), '--bogus', 'x'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      assert.equal(r.status, 2, `${prog}: ${r.stderr}`);
      assert.equal(r.stderr, `${prog}: error: unknown option '--bogus' (run ${prog} --help for usage)\n`);
      assert.equal(r.stdout, '');
      const h = spawnSync(process.execPath, [join(packageRoot(), 'bin', `${prog}.js`), '--help'], { cwd: dir, encoding: 'utf8' });
      assert.equal(h.status, 0, `${prog} --help`);
      assert.match(h.stdout, new RegExp(`Usage: ${prog}`));
    }
  } finally {
    cleanup();
  }
});
