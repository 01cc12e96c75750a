/**
 * gc-report: aggregate results folders into tables, plots, report.md and report.html.
 */
import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import { buildReport } from '../report/build.js';
import { writeReport } from '../report/write.js';
import { sweepsJson, sweepsText } from '../report/tables.js';
import { reproJson, reproText } from '../report/repro.js';
import { fontWarning } from '../report/render.js';
import { GcRunError } from '../errors/errors.js';
import { exitCodeFor, formatError, runCommand } from './exit.js';

/** Where the command writes; defaults to the process streams. */
export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const PROG = 'gc-report';

/**
 * Runs gc-report with `argv` (arguments after the program name). Returns the exit code:
 * 0 ok, 2 bad input (no runs, malformed run files, bad flags). Unexpected errors propagate.
 */
export async function reportCommand(argv: string[], io: Io = process): Promise<number> {
  const program = new Command(PROG)
    .description('Aggregate gc-run results folders into tables, plots and an HTML report')
    .argument('[dirs...]', 'results folders to scan recursively for run folders (merged)', ['results'])
    .option('-o, --out <dir>', 'report folder (default: <first results dir>/report)')
    .option('--json', 'print the summary (and with --repro the reproduction table) as JSON on stdout')
    .option('--repro', "print the reproduction table (paper's expected GC trends vs measured Spearman ρ)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      // Printed once here (commander's own print is off), like every other gc-report error.
      io.stderr.write(`${PROG}: error: ${e.message.replace(/^error: /, '')} (run ${PROG} --help for usage)\n`);
      return 2;
    }
    throw e;
  }
  const dirs = program.processedArgs[0] as string[];
  const opts = program.opts<{ out?: string; json?: boolean; repro?: boolean }>();
  try {
    const report = await buildReport(dirs);
    const outDir = opts.out ?? join(dirs[0], 'report');
    const written = writeReport(report, outDir);
    const warn = fontWarning();
    if (warn) io.stderr.write(`${PROG}: warning: ${warn}\n`);
    for (const s of report.sweeps) for (const w of s.warnings) io.stderr.write(`${PROG}: warning: ${s.experiment}: ${w}\n`);
    if (opts.json) {
      const doc: Record<string, unknown> = { out_dir: outDir, sweeps: sweepsJson(report.sweeps) };
      if (opts.repro) doc.repro = reproJson(report.repro);
      io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else {
      if (opts.repro) io.stdout.write(reproText(report.repro) + '\n');
      else io.stdout.write(sweepsText(report.sweeps) + '\n');
      io.stdout.write(`\nreport written to ${outDir}/ (${written.length} files; open report.html)\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof GcRunError) {
      io.stderr.write(formatError(PROG, e) + '\n');
      return exitCodeFor(e);
    }
    throw e;
  }
}

/** Entry point for bin/gc-report.js. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  await runCommand(PROG, () => reportCommand(argv));
}
