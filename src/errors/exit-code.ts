import { GcRunError } from './errors.js';

/**
 * The one error → exit-code mapping: GcRunError subclasses carry their own code (UsageError
 * family → 2, RunFailure → 1); anything else is a bug → 1. Used by the CLI (src/cli/exit.ts)
 * and by the --jobs worker process, which reports the code to its parent.
 */
export function exitCodeFor(err: unknown): number {
  return err instanceof GcRunError ? err.exitCode : 1;
}
