import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Test tiers that need a real system component (Debian's chromium, slurm-wlm + munge): skipped
 * with the install line where the component is absent and CI is not set, required (the test runs
 * and fails naming what is missing) where CI is set, so CI can never pass by skipping them.
 */

/** True when CI is set (any value but '', '0' or 'false'). */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The executable `name` as the shell would find it on env.PATH (or `name` itself when absolute), else null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (isAbsolute(name)) return executable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

export interface Requirement {
  /** node:test's `skip` option: the reason (with the install line) when absent outside CI, else false. */
  skip: string | false;
  /** Null when everything was found; else the failure message a required test asserts on. */
  missing: string | null;
}

/**
 * What a test needs, given the programs not found: `what` names the tier (e.g. 'headless Chromium'),
 * `install` the command that installs it.
 */
export function requirement(what: string, notFound: string[], install: string, env: NodeJS.ProcessEnv = process.env): Requirement {
  if (notFound.length === 0) return { skip: false, missing: null };
  const line = `${what}: not found (${notFound.join(', ')}); install with: ${install}`;
  return inCI(env) ? { skip: false, missing: `${line} (required because CI is set)` } : { skip: `${line} (required when CI is set)`, missing: null };
}
