/**
 * Finds run folders (any folder holding a run.json) under one or more results folders.
 */
import { readdirSync, statSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors/errors.js';

/**
 * Returns the run folders below `roots`, sorted, de-duplicated by real path (the same folder
 * reached through two given roots counts once). A run folder's subfolders are not searched.
 * Symbolic links to folders (a run folder or experiment folder kept on another disk) are
 * followed, as gc-run follows them, each reported through `onLink`; a link back into a folder
 * already walked is not walked again (no loops).
 * Throws UsageError when a root is not a folder or no run folder is found at all.
 */
export function discoverRuns(roots: string[], onLink: (note: string) => void = () => {}): string[] {
  const found = new Map<string, string>();
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathSync(dir);
    if (walked.has(real)) return;
    walked.add(real);
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.name === 'run.json' && e.isFile())) {
      if (!found.has(real)) found.set(real, dir);
      return;
    }
    for (const e of entries) {
      // Skip hidden folders: temp report folders and editor droppings.
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink() && isFolder(p)) {
        onLink(`${p} is a symbolic link to ${realpathSync(p)}: followed`);
        walk(p);
      }
    }
  };
  for (const root of roots) {
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new UsageError(`results folder ${root}: does not exist`);
    }
    if (!isDir) throw new UsageError(`results folder ${root}: not a folder`);
    walk(resolve(root));
  }
  if (found.size === 0) {
    throw new UsageError(
      `no runs found under ${roots.join(', ')} (expected run folders <experiment>/<run-id>/ containing run.json, config.json, metrics.csv)`,
    );
  }
  return [...found.values()].sort();
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // dangling link
  }
}
