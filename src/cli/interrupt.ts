import type { Io } from './io.js';

/**
 * Ctrl-C / SIGTERM handling for a sweep: the first signal aborts `controller` (runs stop at
 * their next step, checkpoints stay, exit code 130); a second one exits at once (runs stay
 * resumable: their locks go stale with this process). During set-up (`training()` false: the
 * backend, data loading or a download, before any run started) there is nothing to keep, so
 * the first signal quits at once, after `onQuit` (removes a download's staging folder).
 * Returns a function removing the handlers.
 */
export function handleInterrupts(controller: AbortController, io: Io, training: () => boolean = () => true, onQuit: () => void = () => {}): () => void {
  const handler = (sig: NodeJS.Signals) => {
    received ??= sig;
    if (!training()) {
      io.stderr.write(`\ngc-run: ${sig} during set-up (no run had started): quitting now\n`);
      onQuit();
      reraiseInterrupt();
      process.exit(130);
    }
    if (controller.signal.aborted) {
      io.stderr.write(`\ngc-run: ${sig} again: quitting now (re-run the same command to resume)\n`);
      if (sig === 'SIGINT') reraiseInterrupt();
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

let received: NodeJS.Signals | undefined;

/**
 * After a Ctrl-C (SIGINT) stop, ends the process by SIGINT with the default action, the Unix
 * convention for programs that catch it (a shell then sees "killed by SIGINT", status 130, and
 * stops its script too; npm/npx re-raise it). Nothing happens after SIGTERM (exit code 130 stays).
 */
export function reraiseInterrupt(): void {
  if (received !== 'SIGINT') return;
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
}
