import { GcRunError } from '../errors/errors.js';

/**
 * The one place that turns errors into messages and exit codes: GcRunError subclasses carry
 * their own code (UsageError family → 2, RunFailure → 1); anything else is a bug → 1 with stack.
 */
export function exitCodeFor(err: unknown): number {
  return err instanceof GcRunError ? err.exitCode : 1;
}

/** Formats an error for stderr: typed errors without a stack trace, unexpected ones with it. */
export function formatError(prog: string, err: unknown): string {
  if (err instanceof GcRunError) return `${prog}: error: ${err.message}`;
  const e = err as Error;
  return `${prog}: internal error: ${e?.stack ?? String(err)}`;
}

/** Runs a command function, prints any error and sets the process exit code. */
export async function runCommand(prog: string, fn: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (err) {
    process.stderr.write(formatError(prog, err) + '\n');
    process.exitCode = exitCodeFor(err);
  }
}
