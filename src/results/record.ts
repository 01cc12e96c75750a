import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** `interrupted`: stopped by Ctrl-C/SIGTERM at a checkpoint; re-running the sweep resumes it. */
export type RunStatus = 'running' | 'complete' | 'failed' | 'diverged' | 'interrupted';

/** One training session of a run (the first, then one per resume). */
export interface RunAttempt {
  started_at: string;
  host: string;
  pid: number;
  /** First epoch this attempt computed (0 = fresh start; k+1 = resumed from the epoch-k checkpoint). */
  from_epoch: number;
  command: string;
}

/** Where and with what a process runs: shared by every run record it writes. */
export interface Provenance {
  versions: Record<string, string>;
  host: string;
  command: string;
  git: { commit: string; dirty: boolean } | null;
}

/** run.json: see docs/ARCHITECTURE.md. */
export interface RunRecord {
  id: string;
  experiment: string;
  seed: number;
  swept: Record<string, unknown>;
  status: RunStatus;
  backend: string;
  backend_reason: string;
  custom_kernels: string[];
  versions: Record<string, string>;
  host: string;
  command: string;
  git: { commit: string; dirty: boolean } | null;
  started_at: string;
  ended_at: string | null;
  epochs_done: number;
  epochs_total: number;
  error?: { epoch: number; message: string };
  /** The fully resolved config of this run, beside run.json. */
  config_file?: 'config.json';
  /** Hash of the resolved config (the last part of the run id). */
  config_hash?: string;
  /** Every session that trained this run, oldest first. */
  attempts?: RunAttempt[];
  /** Set when train.stop_train_acc ended the run before train.epochs. */
  stopped_early?: { epoch: number; train_acc: number };
}

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
      tfjs: tf.version.tfjs,
      'tfjs-core': tf.version['tfjs-core'],
      node: process.version,
    },
    host: hostname(),
    command: argv.slice(1).join(' '),
    git: gitInfo(root),
  };
}
