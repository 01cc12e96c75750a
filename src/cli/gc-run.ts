import { Command, CommanderError, Option } from 'commander';
import { BACKENDS, type BackendChoice } from '../config/schema.js';
import { readConfigFile, validateExperiment } from '../config/load.js';
import { expandSweep } from '../config/sweep.js';
import { UsageError } from '../errors/errors.js';
import { describeBackend, selectBackend } from '../backend/select.js';
import { runSweep } from '../train/sweep-runner.js';
import { createProgress } from './progress.js';
import { backendNote, quickConfig } from './quick.js';
import { addQuickOptions, quickOptionsFrom } from './quick-options.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface RunOptions {
  backend?: BackendChoice;
  out?: string;
  dataDir?: string;
  progress: 'auto' | 'bars' | 'lines' | 'none';
}

function program(io: Io): Command {
  return new Command('gc-run')
    .description('Train sweeps of models and log geometric complexity (GC) and test accuracy per epoch.')
    .argument('[config]', 'YAML sweep config, e.g. configs/lr-sweep.yaml (or flag mode: --dataset, below)')
    .addOption(new Option('--backend <name>', 'tfjs backend (overrides the config)').choices([...BACKENDS]))
    .option('--out <dir>', 'results folder (overrides output_dir)')
    .option('--data-dir <dir>', 'folder holding datasets/<name>/ (overrides GC_DATA_DIR)')
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bars', 'lines', 'none']).default('auto'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run gc-run --help for usage)');
}

/**
 * The gc-run command as a function: parses argv (without node and script), validates the whole
 * sweep before touching the disk, trains it, and returns the exit code (0 all runs complete,
 * 1 some run failed or diverged). Bad input throws UsageError (exit 2).
 */
export async function gcRun(argv: string[], io: Io = process): Promise<number> {
  const cmd = addQuickOptions(program(io));
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      throw new UsageError(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  const opts = cmd.opts<RunOptions>();
  const [file] = cmd.args;
  const quick = quickOptionsFrom(cmd.opts());
  const source = file ?? '(flags: --dataset)';
  const raw = configFromArgs(file, quick);
  if (opts.backend) raw.backend = opts.backend;
  if (opts.out) raw.output_dir = opts.out;
  const exp = validateExperiment(raw, source);
  const runs = expandSweep(exp, source);

  const backend = await selectBackend(exp.backend);
  const line = describeBackend(backend, exp.backend);
  io.stderr.write(`gc-run: ${line}\n`);
  const note = file ? null : backendNote(exp.model.arch, backend.name);
  if (note) io.stderr.write(`gc-run: ${note}\n`);
  io.stderr.write(`gc-run: ${runs.length} run(s) of '${exp.experiment}' into ${exp.output_dir}/${exp.experiment}/\n`);

  const outcomes = await runSweep(runs, {
    backend: { ...backend, line },
    progress: createProgress(opts.progress),
    dataDir: opts.dataDir,
    // A missing dataset is fetched on first use (an offline machine gets a DataError saying where to put the files).
    download: true,
    argv: process.argv,
  });
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'diverged');
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  io.stderr.write(
    `gc-run: ${outcomes.length - bad.length - skipped} complete, ${skipped} already complete (skipped), ${bad.length} failed\n`,
  );
  for (const o of bad) io.stderr.write(`  ${o.status}: ${o.id} at epoch ${o.error?.epoch}: ${o.error?.message}\n`);
  return bad.length ? 1 : 0;
}

/**
 * The two modes: a config file, or flag mode (--dataset and friends) building the default
 * experiment. Mixing them, or neither, is a usage error.
 */
function configFromArgs(file: string | undefined, quick: ReturnType<typeof quickOptionsFrom>): Record<string, unknown> {
  if (file && quick.dataset) {
    throw new UsageError(
      `give either a config file (gc-run ${file}) or --dataset (flag mode: gc-run --dataset ${quick.dataset} --reg KNOB), not both`,
    );
  }
  if (quick.dataset) return quickConfig({ dataset: quick.dataset, ...quick.options });
  if (quick.used.length) {
    throw new UsageError(`${quick.used.join(', ')} only apply in flag mode (with --dataset); a config file sets these itself`);
  }
  if (!file) throw new UsageError('missing config file (e.g. gc-run configs/lr-sweep.yaml) or --dataset NAME; see gc-run --help');
  return readConfigFile(file) as Record<string, unknown>;
}

/** Entry point used by bin/gc-run.js. */
export async function main(): Promise<void> {
  const { runCommand } = await import('./exit.js');
  await runCommand('gc-run', () => gcRun(process.argv.slice(2)));
}
