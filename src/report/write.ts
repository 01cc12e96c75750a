/**
 * Writes a report folder all at once: files go to a hidden temp folder next to the target,
 * which is renamed into place only when complete, so a failure never leaves half a report.
 * Only a folder gc-report wrote itself (out-dir.ts) is ever replaced, and only the files its
 * marker lists are deleted: nothing is removed recursively.
 */
import { makeUserFolder } from '../results/fs-safe.js';
import { mkdirSync, writeFileSync, renameSync, rmSync, rmdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors/errors.js';
import type { Report } from './build.js';
import { summaryCsv, runsCsv } from './tables.js';
import { reportMarker, checkReportTarget, checkReplacement, siblingPath, REPORT_MARKER } from './out-dir.js';
import { describeSelection } from './selection.js';
import { reportMarkdown } from './markdown.js';
import { reproMarkdown } from './repro.js';
import { reportHtml } from './html.js';

/** File names of a report folder, relative to it. */
export function reportFiles(report: Report): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  files.set('summary.csv', summaryCsv(report.sweeps));
  files.set('runs.csv', runsCsv(report.sweeps));
  files.set('report.md', reportMarkdown(report.sweeps, report.repro, report.plots, report.sources));
  files.set('repro.md', reproMarkdown(report.repro));
  for (const p of report.plots) {
    files.set(`${p.name}.svg`, p.rendered.svg);
    files.set(`${p.name}.png`, p.rendered.png);
  }
  files.set('report.html', reportHtml(report.sweeps, report.repro, report.plots, report.sources, new Date().toISOString()));
  return files;
}

/** Runs that contribute a value to the report: done, with the selected value. */
export function usableRuns(report: Report): number {
  return report.sweeps.reduce((n, s) => n + s.runs.filter((r) => r.state === 'done' && r.finalValue !== null).length, 0);
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Removes an old report folder file by file (only `files`), then the folder if now empty. */
function removeOldReport(old: string, files: string[]): boolean {
  for (const f of files) rmSync(join(old, f), { force: true });
  try {
    rmdirSync(old);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the report to `outDir`, replacing an earlier gc-report folder there (checked by
 * checkReportTarget against the report's sources: a UsageError, nothing touched, otherwise).
 * Folders it creates are created one level at a time (a recursive mkdir can spin forever on
 * /proc). Returns the report's file names and warnings for the user.
 */
export function writeReport(report: Report, outDir: string): { files: string[]; warnings: string[] } {
  const target = checkReportTarget(outDir, report.sources);
  const usable = usableRuns(report);
  checkReplacement(target, outDir, usable, report.sweeps.map((s) => describeSelection(s.selection)).filter((d, i, a) => a.indexOf(d) === i).join(' / ') || 'any metric');
  const { out } = target;
  const files = reportFiles(report);
  const created: string[] = [];
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = siblingPath(out, 'tmp', stamp);
  const old = siblingPath(out, 'old', stamp);
  let tmpMade = false;
  let moved = false;
  const undo = () => {
    if (tmpMade) rmSync(tmp, { recursive: true, force: true }); // our own temp folder
    if (moved && !existsSync(out)) renameSync(old, out);
    for (const dir of created.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        break; // not empty any more: someone else uses it
      }
    }
  };
  try {
    // The one folder-creation routine of gc-run (src/results/fs-safe.ts): one level at a time, never a loop.
    if (target.missingParents.length) created.push(...makeUserFolder(dirname(out), `--out ${outDir}`));
    mkdirSync(tmp);
    tmpMade = true;
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    writeFileSync(join(tmp, REPORT_MARKER), reportMarker([...files.keys()], report.sources, new Date().toISOString(), usable));
    if (target.existing === 'report') {
      renameSync(out, old);
      moved = true;
    }
    // Onto nothing or an empty folder; fails (ENOTEMPTY, ENOTDIR) if something appeared meanwhile.
    renameSync(tmp, out);
    tmpMade = false;
  } catch (e) {
    undo();
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--out ${outDir}: cannot write the report in ${dirname(out)} (${code(e)})`);
  }
  const warnings: string[] = [];
  if (moved && !removeOldReport(old, target.files)) {
    warnings.push(`the previous report was moved to ${old}, which gained files meanwhile; it was left in place`);
  }
  return { files: [...files.keys()], warnings };
}
