import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/results/record.js';
import { writeDemoResults } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

// `gc-report R | head -1`: the reader closes stdout before the table is written. The command must
// finish quietly (exit 0, its report written) instead of dying on an unhandled EPIPE.
test('gc-report into a pipe that closes at once: exit 0, no stack trace, report written', async () => {
  const root = tempDir('gc-report-epipe-').dir;
  writeDemoResults(root);
  const out = join(root, 'report'); // the default --out
  for (let i = 0; i < 3; i++) {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'gc-report.js'), root], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(err, '', `stderr: ${err}`);
    assert.equal(code, 0);
  }
  const { existsSync } = await import('node:fs');
  assert.ok(existsSync(join(out, 'report.md')));
});
