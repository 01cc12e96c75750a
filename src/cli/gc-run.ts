import { Command, Option } from 'commander';
import { BACKENDS, type BackendChoice } from '../config/schema.js';
import { readConfigFile, validateExperiment } from '../config/load.js';
import { expandSweep } from '../config/sweep.js';
import { applyOverrides, attributeOverrides, checkOverrideKeys, parseOverride, type Override } from '../config/overrides.js';
import { parseShard, selectShard, shardFromEnv } from '../config/shard.js';
import { ConfigError, UsageError } from '../errors/errors.js';
import { checkWritableFolder } from '../results/out-dir.js';
import { describeBackend, selectBackend } from '../backend/select.js';
import { missingGpuPackages } from '../backend/optional-packages.js';
import { planStatus } from '../runner/plan-status.js';
import { preflightBackend, preflightRuns } from '../runner/preflight.js';
import { removeActiveStaging } from '../data/download.js';
import type { SweepProgress } from '../runner/progress.js';
import { runPool } from '../runner/pool.js';
import { runSweep } from '../runner/sweep.js';
import { writeTensorboardExperiment } from '../runner/tensorboard.js';
import type { RunOutcome } from '../runner/run-one.js';
import { checkRunSizes } from '../train/sizes.js';
import { handleInterrupts, reraiseInterrupt } from './interrupt.js';
import { parseFlags } from './exit.js';
import type { Io } from './io.js';
import { createPoolProgress } from './pool-progress.js';
import { createProgress } from './progress.js';
import { backendNote, quickConfig } from './quick.js';
import { addQuickOptions, quickOptionsFrom } from './quick-options.js';
import { printNextSteps, printPlan, summarize } from './sweep-report.js';
import { resumeBanner, SweepClock } from './eta.js';

export type { Io };

interface RunOptions {
  backend?: BackendChoice;
  out?: string;
  dataDir?: string;
  progress: 'auto' | 'bars' | 'lines' | 'none';
  set: string[];
  restart?: boolean;
  dryRun?: boolean;
  json?: boolean;
  jobs: string;
  shard?: string;
  lockTimeout?: string;
  tensorboard?: boolean;
  multirun?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function program(io: Io): Command {
  return new Command('gc-run')
    .description('Train sweeps of models and log geometric complexity (GC) and test accuracy per epoch.')
    .argument('[config]', 'YAML sweep config, e.g. configs/lr-sweep.yaml (or flag mode: --dataset, below)')
    .argument('[overrides...]', "Hydra-style overrides after the config: key.path=value, +key=value (add), ++key=value (set either way), ~key (remove)")
    .addOption(new Option('--backend <name>', 'tfjs backend (overrides the config)').choices([...BACKENDS]))
    .option('--out <dir>', 'results folder (overrides output_dir)')
    .option('--data-dir <dir>', 'folder holding datasets/<name>/ (overrides GC_DATA_DIR)')
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bars', 'lines', 'none']).default('auto'))
    .option('--set <key.path=value>', 'override a config key, value as YAML (repeatable), e.g. --set optimizer.lr=0.1, --set \'sweep.grid.optimizer.lr=[0.01,0.1]\'', collect, [])
    .option('-m, --multirun', 'overrides key=a,b,c, key=range(0,3) or key=choice(a,b) become sweep axes (as sweep.grid)')
    .option('--restart', 'train the selected runs from scratch, ignoring checkpoints and earlier outcomes')
    .option('--dry-run', 'list every planned run and its state (done / partial / pending / failed); train and write nothing')
    .option('--json', 'with --dry-run: machine-readable plan on stdout')
    .option('--jobs <n>', 'runs trained at once, each in its own worker process', '1')
    .option('--shard <i/n>', 'train only runs i, i+n, i+2n, ... (0-based); default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + GC_SHARD_COUNT')
    .option('--tensorboard', 'also write TensorBoard event files per run into <results>/<experiment>/tensorboard/ (logging.tensorboard: true)')
    .option('--lock-timeout <minutes>', 'take over run locks not refreshed for this long, from any host (dead cluster nodes)')
    .exitOverride()
    // Parse errors are printed once, by runCommand, from the UsageError thrown below.
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
}

/**
 * The gc-run command as a function: parses argv (without node and script), validates the whole
 * sweep before touching the disk, trains it, and returns the exit code (0 all runs complete,
 * 1 some run failed or diverged, 130 interrupted). Bad input throws UsageError (exit 2).
 * Re-running resumes: complete runs are skipped, others continue from their last checkpoint.
 */
export async function gcRun(argv: string[], io: Io = process): Promise<number> {
  const cmd = addQuickOptions(program(io));
  checkSetArguments(argv);
  if (!(await parseFlags('gc-run', cmd, argv))) return 0;
  const opts = cmd.opts<RunOptions>();
  const { file, positional } = splitPositionals(cmd.args);
  const quick = quickOptionsFrom(cmd.opts());
  const source = file ?? '(flags: --dataset)';

  const jobs = Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${opts.jobs}: expected a positive integer`);
  if (opts.json && !opts.dryRun) throw new UsageError('--json only goes with --dry-run');
  const lockMinutes = opts.lockTimeout === undefined ? undefined : Number(opts.lockTimeout);
  if (lockMinutes !== undefined && !(lockMinutes >= 2)) {
    throw new UsageError(`--lock-timeout ${opts.lockTimeout}: expected minutes >= 2 (locks are refreshed every 30 s)`);
  }
  const lock = lockMinutes === undefined ? undefined : { staleAfterMs: lockMinutes * 60_000 };
  const multirun = !!opts.multirun;
  const overrides: Override[] = [
    ...opts.set.map((a) => parseOverride(a, { label: '--set', multirun })),
    ...positional.map((a) => parseOverride(a, { label: '', multirun })),
  ];
  checkOverrideKeys(overrides, source);

  const raw = applyOverrides(configFromArgs(file, quick), overrides, source);
  if (opts.backend) raw.backend = opts.backend;
  if (opts.out) raw.output_dir = opts.out;
  if (opts.tensorboard) raw.logging = { ...((raw.logging as object | undefined) ?? {}), tensorboard: true };
  let exp;
  let all;
  try {
    exp = validateExperiment(raw, source);
    all = expandSweep(exp, source);
    checkRunSizes(all, source);
  } catch (err) {
    throw err instanceof ConfigError ? attributeOverrides(err, overrides) : err;
  }
  const shard = opts.shard !== undefined ? parseShard(opts.shard) : shardFromEnv();
  // Before anything is written (also for --dry-run): a bad results folder is exit 2, not a crash or a hang.
  checkWritableFolder(exp.output_dir, opts.out ? `--out ${opts.out}` : `${source}: output_dir ${exp.output_dir}`);
  const runs = selectShard(all, shard);
  if (shard) {
    io.stderr.write(`gc-run: shard ${shard.index}/${shard.count} (from ${shard.source}): ${runs.length} of ${all.length} run(s)\n`);
  }

  // Links inside run folders are refused before anything is written; linked run folders are followed, and said so.
  for (const note of preflightRuns(runs, { restart: !!opts.restart })) io.stderr.write(`gc-run: note: ${note}\n`);

  if (opts.dryRun) {
    printPlan(runs.map(planStatus), !!opts.json, io);
    return 0;
  }

  if (exp.backend === 'auto') {
    // Once per invocation (not per worker): auto passes over a GPU backend whose package is absent.
    const missing = missingGpuPackages();
    if (missing) {
      io.stderr.write(
        `gc-run: optional GPU backend(s) not installed: ${missing.backends.join(', ')} (missing ${missing.packages.join(', ')}); ` +
          `to add them: ${missing.installLine} (README "Backends")\n`,
      );
    }
  }
  // The HParams dashboard's table: every swept value of the whole sweep (all shards).
  writeTensorboardExperiment(all);
  // What is already done, before anything trains: the resume banner, and the clock's sweep bar and ETA.
  const plan = opts.restart ? runs.map((r) => ({ ...planStatus(r), status: 'pending' as const, epoch: undefined })) : runs.map(planStatus);
  const banner = resumeBanner(plan);
  if (banner) io.stderr.write(`gc-run: ${banner}\n`);
  const clock = new SweepClock(plan);
  const controller = new AbortController();
  // Until a run starts training, a signal quits at once (set-up has nothing to checkpoint).
  let training = false;
  const watch = (p: SweepProgress): SweepProgress => ({ startRun: (...a) => ((training = true), p.startRun(...a)), step: (s) => p.step(s), epoch: (r) => p.epoch(r), endRun: (s) => p.endRun(s), stop: () => p.stop() });
  // While bars are drawn, the Ctrl-C lines go above them (written directly, a redraw would hide them).
  let signalNote: ((line: string) => void) | null = null;
  const signalIo: Io = { stdout: io.stdout, stderr: { write: (s: string) => (signalNote ? signalNote(s.trim()) : io.stderr.write(s)) } };
  const unhook = handleInterrupts(controller, signalIo, () => training, removeActiveStaging);
  let outcomes: RunOutcome[];
  try {
    // download: a missing dataset is fetched on first use (offline: a DataError saying where to put the files).
    const common = { dataDir: opts.dataDir, download: true, argv: process.argv, restart: !!opts.restart, signal: controller.signal, lock };
    if (jobs === 1) {
      const backend = await selectBackend(exp.backend);
      const line = describeBackend(backend, exp.backend);
      io.stderr.write(`gc-run: ${line}\n`);
      // Config files too: a paper config on `auto` lands on wasm on a machine without a GPU.
      const note = backendNote(exp.model.arch, backend.name, backend.adapter ? !backend.adapter.fallback : false);
      if (note) io.stderr.write(`gc-run: ${note}\n`);
      // A checkpoint written by another backend is refused before any run trains.
      if (!opts.restart) preflightBackend(runs, backend.name);
      io.stderr.write(`gc-run: ${runs.length} run(s) of '${exp.experiment}' into ${exp.output_dir}/${exp.experiment}/\n`);
      const progress = createProgress(opts.progress, clock);
      signalNote = (l) => progress.note(l);
      outcomes = await runSweep(runs, { ...common, backend: { ...backend, line }, progress: watch(progress) });
      signalNote = null;
    } else {
      if (exp.backend !== 'auto' && !opts.restart) preflightBackend(runs, exp.backend);
      const workers = Math.min(jobs, runs.length);
      io.stderr.write(`gc-run: ${runs.length} run(s) of '${exp.experiment}' into ${exp.output_dir}/${exp.experiment}/ with ${workers} worker process(es)\n`);
      const progress = createPoolProgress(opts.progress, clock);
      signalNote = (l) => progress.note(l);
      try {
        outcomes = await runPool(runs, {
          ...common,
          jobs,
          backend: exp.backend,
          progress: (i) => watch(progress.slot(i)),
          onBackend: (line) => progress.note(`gc-run: ${line} (in each worker)`),
        });
      } finally {
        progress.stop();
        signalNote = null;
      }
    }
  } finally {
    unhook();
  }
  const code = summarize(outcomes, controller.signal.aborted, io);
  printNextSteps(exp, outcomes, io);
  return code;
}

/** Whether a positional argument is an override (key=value, +key=..., ~key) rather than a config path. */
function isOverride(arg: string): boolean {
  if (arg.startsWith('+') || arg.startsWith('~')) return true;
  const eq = arg.indexOf('=');
  return eq > 0 && !arg.slice(0, eq).includes('/');
}

/**
 * Positional arguments: the config file (first, if it is not an override), then overrides. A
 * second non-override is an error that shows the override form (`optimizer.lr 0.1` →
 * `optimizer.lr=0.1`).
 */
function splitPositionals(args: string[]): { file?: string; positional: string[] } {
  const [first, ...rest] = args;
  const file = first !== undefined && !isOverride(first) ? first : undefined;
  const positional = file === undefined ? args : rest;
  const bad = positional.findIndex((a) => !isOverride(a));
  if (bad >= 0) {
    const a = positional[bad];
    const next = positional[bad + 1];
    const hint =
      !file && /\.ya?ml$/.test(a)
        ? `the config comes first: gc-run ${a} ${positional.slice(0, bad).join(' ')}`
        : /^[A-Za-z_][\w.]*$/.test(a) && next !== undefined && !isOverride(next)
          ? `did you mean ${a}=${next} (or --set ${a}=${next})?`
          : `overrides are written key.path=value, e.g. optimizer.lr=0.1 or --set optimizer.lr=0.1`;
    throw new UsageError(`unexpected argument '${a}'${file ? ` after the config ${file}` : ''}: ${hint}`);
  }
  return { file, positional };
}

/** `--set key value` (a space for the '='): say the right form before commander's "too many arguments". */
function checkSetArguments(argv: string[]): void {
  for (let i = 0; i < argv.length - 1; i++) {
    if (argv[i] !== '--set') continue;
    const v = argv[i + 1];
    if (v.includes('=') || v.startsWith('~')) continue;
    const next = argv[i + 2];
    throw new UsageError(
      next !== undefined && !next.startsWith('-')
        ? `--set ${v} ${next}: --set takes one argument, key.path=value; did you mean --set ${v}=${next}?`
        : `--set ${v}: expected key.path=value (e.g. --set ${v}=VALUE) or ~${v} to remove it`,
    );
  }
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
  // Stopped by Ctrl-C: after the clean stop, end by SIGINT itself (status 130 to a shell), so the
  // shell script, npm/npx or make around gc-run stops too instead of going on with its next command.
  if (process.exitCode === 130) reraiseInterrupt();
}
