/**
 * gc-data: install and check datasets.
 *   gc-data fetch <name> [--data-dir D] [--mirror URL]   download, verify and extract
 *   gc-data verify <name> [--data-dir D]                 load from disk (no download) and summarise
 */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { UsageError } from '../errors/errors.js';
import { parseFlags } from './exit.js';
import type { Io } from './io.js';
import type { ProgressEvent, ProgressFn } from '../data/download.js';
import { DATASET_NAMES, fetchDataset, loadDataset, parseDatasetName } from '../data/registry.js';
import { checkMirror } from '../data/sources.js';

export type { Io };

const PROG = 'gc-data';

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/**
 * A progress reporter: a cli-progress bar per file on a TTY, else one plain line per 10% (or per
 * 10 MiB when the size is unknown). `done()` closes the last bar.
 */
function progressReporter(io: Io): { onProgress: ProgressFn; done: () => void } {
  let bar: SingleBar | null = null;
  let current = '';
  let nextMark = 0;
  const close = () => {
    bar?.stop();
    bar = null;
  };
  const onProgress = (p: ProgressEvent) => {
    if (p.file !== current) {
      close();
      current = p.file;
      nextMark = 0;
      if (io.stderr.isTTY && p.total !== undefined) {
        bar = new SingleBar({ format: `${p.file} [{bar}] {percentage}% | {value_mib}/{total_mib} MiB`, stream: process.stderr });
        bar.start(p.total, 0, { value_mib: '0.0', total_mib: mib(p.total) });
      }
    }
    if (bar) {
      bar.update(p.bytes, { value_mib: mib(p.bytes) });
      return;
    }
    const progress = p.total ? p.bytes / p.total : p.bytes / (10 * 1048576);
    if (progress >= nextMark) {
      const pct = p.total ? ` (${Math.floor(progress * 100)}%)` : '';
      io.stderr.write(`${PROG}: ${p.file}: ${mib(p.bytes)}${p.total ? ` of ${mib(p.total)}` : ''} MiB${pct}\n`);
      nextMark = p.total ? Math.floor(progress * 10 + 1e-9) / 10 + 0.1 : Math.floor(progress) + 1;
    }
  };
  return { onProgress, done: close };
}

/**
 * Runs gc-data with `argv` (the arguments after the program name). Returns the exit code (0 ok);
 * bad flags and data problems throw UsageError/DataError (exit 2 via runCommand).
 */
export async function dataCommand(argv: string[], io: Io = process): Promise<number> {
  let action: Promise<number> = Promise.resolve(0);
  const program = new Command(PROG)
    .description('Install and check the datasets gc-run trains on')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  program
    .command('fetch')
    .description(`download, verify and extract a dataset (${DATASET_NAMES.join(', ')})`)
    .argument('<name>', 'dataset name')
    .option('--data-dir <dir>', 'data root holding one folder per dataset (default $GC_DATA_DIR, else $XDG_DATA_HOME/gc-run or ~/.local/share/gc-run; the shipped Fashion-MNIST is always found)')
    .option('--mirror <url>', 'base URL to download from instead of the official one (default $GC_DATA_MIRROR)')
    .action((name: string, opts: { dataDir?: string; mirror?: string }) => {
      action = (async () => {
        const reporter = progressReporter(io);
        let res;
        try {
          const mirror = opts.mirror === undefined ? undefined : checkMirror(opts.mirror, '--mirror');
          res = await fetchDataset(parseDatasetName(name), { dataDir: opts.dataDir, mirror, onProgress: reporter.onProgress });
        } finally {
          reporter.done();
        }
        io.stdout.write(
          res.fetched.length > 0
            ? `${name}: fetched ${res.fetched.join(', ')} into ${res.dir}\n`
            : `${name}: already installed in ${res.dir}\n`,
        );
        return 0;
      })();
    });
  program
    .command('verify')
    .description('load a dataset from disk (checksums/sizes verified, no download) and print a summary')
    .argument('<name>', 'dataset name')
    .option('--data-dir <dir>', 'data root holding one folder per dataset')
    .action((name: string, opts: { dataDir?: string }) => {
      action = (async () => {
        const t0 = performance.now();
        const d = await loadDataset(parseDatasetName(name), { dataDir: opts.dataDir, download: false });
        const secs = ((performance.now() - t0) / 1000).toFixed(2);
        io.stdout.write(
          `${d.name}: ok, train ${d.train.n}, test ${d.test.n}, ${d.numClasses} classes, ` +
            `shape ${d.shape.join('x')}, loaded in ${secs} s\n`,
        );
        return 0;
      })();
    });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return 2;
  }
  if (!(await parseFlags(PROG, program, argv))) return 0;
  return action;
}
