/**
 * Finds run folders (any folder holding a run.json) under one or more results folders.
 */
import { readdirSync, statSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors/errors.js';

/**
 * Returns the run folders below `roots`, sorted, de-duplicated by real path (the same folder
 * reached through two given roots counts once). A run folder's subfolders are not searched.
 * Throws UsageError when a root is not a folder or no run folder is found at all.
 */
export function discoverRuns(roots: string[]): string[] {
  const found = new Map<string, string>();
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.name === 'run.json' && e.isFile())) {
      const real = realpathSync(dir);
      if (!found.has(real)) found.set(real, dir);
      return;
    }
    for (const e of entries) {
      // Skip hidden folders: temp report folders and editor droppings.
      if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name));
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
