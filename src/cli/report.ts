/**
 * gc-report: aggregate results folders into tables, plots, report.md and report.html.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { buildReport } from '../report/build.js';
import { writeReport } from '../report/write.js';
import { checkReportTarget } from '../report/out-dir.js';
import { sweepsJson, sweepsText } from '../report/tables.js';
import { reproJson, reproText } from '../report/repro.js';
import { fontWarning } from '../report/render.js';
import { parseAt, parseMetric } from '../report/selection.js';
import { parseFlags, reportTypedError, runCommand } from './exit.js';
import type { Io } from './io.js';

export type { Io };

const PROG = 'gc-report';

/**
 * Runs gc-report with `argv` (arguments after the program name). Returns the exit code:
 * 0 ok, 2 bad input (no runs, malformed run files, bad flags, an --out that is not a new, empty or
 * earlier report folder, or cannot be written). Unexpected errors propagate.
 */
export async function reportCommand(argv: string[], io: Io = process): Promise<number> {
  const program = new Command(PROG)
    .description('Aggregate gc-run results folders into tables, plots and an HTML report')
    .argument('[dirs...]', 'results folders to scan recursively for run folders (merged)', ['results'])
    .option('-o, --out <dir>', 'report folder: new, empty, or one gc-report wrote (default: <first results dir>/report)')
    .option('--json', 'print the summary (and with --repro the reproduction table) as JSON on stdout')
    .option('--repro', "print the reproduction table (paper's expected GC trends vs measured Spearman ρ)")
    .option('--metric <column>', 'metrics.csv column to compare, e.g. gc_margin (default: the runs\' report.metric, else gc)')
    .option('--at <column=value>', 'compare at the first epoch where a column reaches a value, e.g. train_acc=0.9 (default: the last measured epoch)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  try {
    if (!(await parseFlags(PROG, program, argv))) return 0;
  } catch (e) {
    // Printed once here, like every other gc-report error.
    return reportTypedError(PROG, e, io);
  }
  const dirs = program.processedArgs[0] as string[];
  const opts = program.opts<{ out?: string; json?: boolean; repro?: boolean; metric?: string; at?: string }>();
  try {
    const selection = { metric: opts.metric === undefined ? undefined : parseMetric(opts.metric), at: opts.at === undefined ? null : parseAt(opts.at) };
    const outDir = opts.out ?? join(dirs[0], 'report');
    // Refuse a bad --out before the (slow) reading and rendering; writeReport checks again.
    checkReportTarget(outDir, dirs);
    const report = await buildReport(dirs, true, { ...selection, onNote: (n) => io.stderr.write(`${PROG}: note: ${n}\n`) });
    const written = writeReport(report, outDir);
    for (const w of written.warnings) io.stderr.write(`${PROG}: warning: ${w}\n`);
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
      io.stdout.write(`\nreport written to ${outDir}/ (${written.files.length} files; open report.html)\n`);
    }
    return 0;
  } catch (e) {
    return reportTypedError(PROG, e, io);
  }
}

/** Entry point for bin/gc-report.js. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  await runCommand(PROG, () => reportCommand(argv));
}
