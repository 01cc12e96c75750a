import { CommanderError, type Command } from 'commander';
import { GcRunError, UsageError } from '../errors/errors.js';
import { exitCodeFor } from '../errors/exit-code.js';
import type { Io } from './io.js';

/**
 * The one place in the CLI that turns errors into messages and exit codes (the code itself comes
 * from exitCodeFor: typed errors carry theirs, anything else is a bug → 1 with stack).
 */
export { exitCodeFor };

/**
 * The one way a command turns a bad flag into exit 2: commander's parse error (its own print
 * switched off by `outputError: () => {}`) becomes a UsageError naming `prog --help`. Returns
 * false when commander has answered by itself (--help, --version: exit 0).
 */
export async function parseFlags(prog: string, program: Command, argv: string[]): Promise<boolean> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return true;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return false;
    throw new UsageError(`${err.message.replace(/^error: /, '')} (run ${prog} --help for usage)`);
  }
}

/** Formats an error for stderr: typed errors without a stack trace, unexpected ones with it. */
export function formatError(prog: string, err: unknown): string {
  if (err instanceof GcRunError) return `${prog}: error: ${err.message}`;
  const e = err as Error;
  return `${prog}: internal error: ${e?.stack ?? String(err)}`;
}

/**
 * For commands that return their exit code instead of throwing (gc-report): a typed error is
 * printed on `io.stderr` and its exit code returned; anything else propagates (a bug).
 */
export function reportTypedError(prog: string, err: unknown, io: Io): number {
  if (!(err instanceof GcRunError)) throw err;
  io.stderr.write(formatError(prog, err) + '\n');
  return exitCodeFor(err);
}

/**
 * A reader that closes our stdout early (`gc-report R | head`) must not turn into an unhandled
 * EPIPE stack trace: further output is dropped and the command finishes its work (files it is
 * writing stay whole). Any other stream error is still a bug.
 */
export function tolerateClosedStdout(stream: NodeJS.EventEmitter = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** Runs a command function, prints any error and sets the process exit code. */
export async function runCommand(prog: string, fn: () => Promise<number>): Promise<void> {
  tolerateClosedStdout();
  try {
    process.exitCode = await fn();
  } catch (err) {
    process.stderr.write(formatError(prog, err) + '\n');
    process.exitCode = exitCodeFor(err);
  }
}
