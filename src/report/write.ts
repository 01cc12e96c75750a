/**
 * Writes a report folder all at once: files go to a hidden temp folder next to the target,
 * which is renamed into place only when complete, so a failure never leaves half a report.
 */
import { mkdirSync, writeFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { Report } from './build.js';
import { summaryCsv, runsCsv } from './tables.js';
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

/** Writes the report to `outDir`, replacing an earlier report there. Returns the written names. */
export function writeReport(report: Report, outDir: string): string[] {
  const out = resolve(outDir);
  const parent = dirname(out);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(parent, `.${basename(out)}.tmp-${stamp}`);
  const old = join(parent, `.${basename(out)}.old-${stamp}`);
  const files = reportFiles(report);
  try {
    mkdirSync(tmp);
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(out)) renameSync(old, out);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
  return [...files.keys()];
}
