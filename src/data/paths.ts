/** Where datasets live on disk: explicit option > env GC_DATA_DIR > <package root>/datasets. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Env variable that overrides the default data root. */
export const DATA_DIR_ENV = 'GC_DATA_DIR';

/**
 * The gc-run package root: the nearest ancestor of this module holding gc-run's package.json.
 * Found by walking up because the module runs compiled from dist/src/data.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gc-run') return dir;
      } catch {
        // not ours / unreadable: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the gc-run package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/**
 * The absolute data root (the folder that holds one sub-folder per dataset).
 * `explicit` (e.g. CLI --data-dir) wins, then $GC_DATA_DIR, then <package root>/datasets.
 * Relative paths resolve against the current directory.
 */
export function resolveDataRoot(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return join(packageRoot(), 'datasets');
}
