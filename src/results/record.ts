import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '#tf';
import { RUN_FILES, storedRunRecordSchema, type RunRecord, type StoredRunRecord } from './run-folder.js';

// run.json's types live in the run-folder contract; re-exported for the runner's imports.
export type { RunAttempt, RunRecord, RunStatus } from './run-folder.js';

/** Where and with what a process runs: shared by every run record it writes. */
export type Provenance = Pick<RunRecord, 'versions' | 'host' | 'command' | 'git'>;

/** Root of the installed gc-run package (where package.json is). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('gc-run package.json not found');
    dir = up;
  }
  return dir;
}

function gitInfo(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const opts = { cwd, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[], encoding: 'utf8' as const };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim().length > 0;
    return { commit, dirty };
  } catch {
    return null; // not a checkout, or git missing: provenance without a commit
  }
}

/** Collects versions, host, command line and git state once per process. */
export function collectProvenance(argv: readonly string[] = process.argv): Provenance {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    versions: {
      'gc-run': pkg.version,
      'tfjs-core': tf.version['tfjs-core'],
      'tfjs-layers': tf.version['tfjs-layers'],
      node: process.version,
    },
    host: hostname(),
    command: argv.slice(1).join(' '),
    git: gitInfo(root),
  };
}

/**
 * A run folder's run.json read through the contract's reader schema (storedRunRecordSchema:
 * older folders read, unknown fields kept), or null when it is absent, unreadable or not a run record.
 */
export function readStoredRecord(dir: string): StoredRunRecord | null {
  try {
    const parsed = storedRunRecordSchema.safeParse(JSON.parse(readFileSync(join(dir, RUN_FILES.record), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
