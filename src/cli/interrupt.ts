import type { Io } from './io.js';

/**
 * Ctrl-C / SIGTERM handling for a sweep: the first signal aborts `controller` (runs stop at
 * their next step, checkpoints stay, exit code 130); a second one exits at once (runs stay
 * resumable: their locks go stale with this process). Returns a function removing the handlers.
 */
export function handleInterrupts(controller: AbortController, io: Io): () => void {
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      io.stderr.write(`\ngc-run: ${sig} again: quitting now (re-run the same command to resume)\n`);
      process.exit(130);
    }
    io.stderr.write(`\ngc-run: ${sig}: stopping at the next step; finished epochs are kept (Ctrl-C again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
