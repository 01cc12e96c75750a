/**
 * Typed errors. Library code throws these; only the CLI (src/cli/exit.ts) maps them to
 * messages and exit codes. `UsageError` covers bad input (config, flags, data files): exit 2.
 */
export class GcRunError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the user: config file, CLI flag, data file. Exit code 2. */
export class UsageError extends GcRunError {
  override readonly exitCode = 2;
}

/** A config file that fails parsing or validation. `issues` carry dot paths. */
export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `invalid config ${file}:\n` + issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
  }
}

/** A data file that is missing, truncated or fails its checksum. */
export class DataError extends UsageError {}

/** A requested backend that cannot be loaded. */
export class BackendError extends UsageError {}

/** A run that failed while training (exception or non-finite values). Exit code 1. */
export class RunFailure extends GcRunError {}
