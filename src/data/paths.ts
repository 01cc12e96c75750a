/**
 * Where datasets live on disk: explicit option > env GC_DATA_DIR > the per-user data folder
 * ($XDG_DATA_HOME/gc-run, else ~/.local/share/gc-run). Downloads never go into the package's
 * own folder (a global install's prefix may be read-only); datasets shipped there
 * (Fashion-MNIST in <package root>/datasets) are still read from it, see registry.ts datasetDir.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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

/** The per-user data folder: $XDG_DATA_HOME/gc-run (an absolute XDG_DATA_HOME only, as the spec says), else ~/.local/share/gc-run. */
export function userDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share'), 'gc-run');
}

/** The folder of datasets shipped with the package (read-only use: never downloaded into). */
export function shippedDataRoot(): string {
  return join(packageRoot(), 'datasets');
}

/** True when the data root was chosen by the user (option or $GC_DATA_DIR): then only it is used. */
export function dataRootIsExplicit(explicit?: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!explicit || !!env[DATA_DIR_ENV];
}

/**
 * The absolute data root (the folder that holds one sub-folder per dataset, and where downloads go).
 * `explicit` (e.g. CLI --data-dir) wins, then $GC_DATA_DIR, then userDataRoot().
 * Relative paths resolve against the current directory.
 */
export function resolveDataRoot(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return userDataRoot(env);
}
