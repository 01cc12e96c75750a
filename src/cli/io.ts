/**
 * Where a command writes: the process streams by default, a capture in tests. The one Io type
 * of gc-run, gc-report and gc-data (and the helpers they print through).
 */
export interface Io {
  stdout: { write(s: string): unknown };
  /** `isTTY` chooses progress bars over plain lines. */
  stderr: { write(s: string): unknown; isTTY?: boolean };
}
