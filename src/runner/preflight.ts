import { lstatSync, realpathSync } from 'node:fs';
import type { PlannedRun } from '../config/sweep.js';
import { UsageError } from '../errors/errors.js';
import { LinkRefused } from '../results/fs-safe.js';
import { backendConflict, linksInRunFolder } from '../results/run-folder-guard.js';
import { readRecord, runDir } from './run-one.js';

/**
 * Checks the selected runs' folders before anything is written (also for --dry-run), so a bad
 * folder stops the whole invocation with exit 2 and nothing touched: a symbolic link where
 * gc-run writes inside the folder of a run that will train (metrics.csv, run.json, checkpoint/…;
 * a complete run is only read, unless `restart`). Returns notes for run folders that are
 * themselves links (followed, like results/).
 */
export function preflightRuns(runs: PlannedRun[], opts: { restart?: boolean } = {}): string[] {
  const notes: string[] = [];
  for (const run of runs) {
    const dir = runDir(run);
    // A complete run is skipped (nothing written) unless --restart: only runs that will write are checked.
    const writes = opts.restart || readRecord(dir)?.status !== 'complete';
    const links = writes ? linksInRunFolder(dir) : [];
    if (links.length) {
      const more = links.length > 1 ? ` (and ${links.length - 1} more link(s))` : '';
      throw new UsageError(`${new LinkRefused(links[0]).message}${more}; nothing was written`);
    }
    try {
      if (lstatSync(dir).isSymbolicLink()) notes.push(`run folder ${dir} is a symbolic link to ${realpathSync(dir)}: followed`);
    } catch {
      /* absent, or a dangling link: creating it will say why */
    }
  }
  return notes;
}

/**
 * Once the backend is known before training (--jobs 1, or an explicit backend): a run whose
 * checkpoint another backend wrote is refused (exit 2; resume would not be bit-identical).
 * Nothing to check under --restart.
 */
export function preflightBackend(runs: PlannedRun[], backend: string): void {
  for (const run of runs) {
    const dir = runDir(run);
    const conflict = backendConflict(dir, run.id, backend, readRecord(dir));
    if (conflict) throw new UsageError(conflict);
  }
}
