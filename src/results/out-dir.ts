import { mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors/errors.js';

/**
 * Checks, before anything is written, that `path` is (or can become) a folder we can write in:
 * its nearest existing ancestor must be a folder in which a folder can be created. The test is
 * real (a probe folder is created and removed again), because permission bits lie for root and
 * pseudo file systems: `mkdir -p` under /proc fails with ENOENT forever (Node's recursive mkdir
 * then loops at 100% CPU, deaf to signals), /sys with EPERM. Throws UsageError naming `label`
 * (e.g. `--out /proc/x` or `c.yaml: output_dir`) and the folder that refused.
 */
export function checkWritableFolder(path: string, label: string): void {
  let cur = resolve(path);
  for (;;) {
    try {
      if (!statSync(cur).isDirectory()) {
        throw new UsageError(`${label}: ${cur} is a file, expected a folder (existing, or one to create)`);
      }
      break;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file sits on the way; walking up finds it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new UsageError(`${label}: cannot access ${cur} (${code}), expected a writable folder`);
      }
      const up = dirname(cur);
      if (up === cur) throw new UsageError(`${label}: no existing folder above ${resolve(path)}`);
      cur = up;
    }
  }
  let probe: string;
  try {
    probe = mkdtempSync(join(cur, '.gc-run-write-test-'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`${label}: cannot create folders in ${cur} (${code}), expected a writable folder`);
  }
  rmdirSync(probe);
}
