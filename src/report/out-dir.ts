/**
 * Where gc-report may write: it only ever replaces a folder it wrote itself. Every report
 * folder carries a marker file (REPORT_MARKER) with a format version and the list of files
 * written; anything else at the target is refused before a byte is written.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors/errors.js';
import { RUN_FILES } from '../results/run-folder.js';

/** Marker file written into every report folder. */
export const REPORT_MARKER = '.gc-report.json';
/** Version of the marker's format; readers accept this version and earlier ones. */
export const REPORT_MARKER_VERSION = 1;

const markerSchema = z.looseObject({
  format: z.literal('gc-report'),
  version: z.number().int().positive(),
  files: z.array(z.string()),
  /** Runs that contributed a value to the report (absent in markers of earlier versions). */
  usable_runs: z.number().int().nonnegative().optional(),
});

/** Content of a marker for a report folder holding `files`, built from `usableRuns` runs with a value. */
export function reportMarker(files: string[], sources: string[], writtenAt: string, usableRuns: number): string {
  const doc = { format: 'gc-report', version: REPORT_MARKER_VERSION, written_at: writtenAt, sources, files, usable_runs: usableRuns };
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * What gc-report wrote before it marked its folders: these names and nothing else, with at
 * least report.html and summary.csv, is a report of an earlier version and may be replaced.
 */
const LEGACY_FILES = new Set([
  'summary.csv', 'runs.csv', 'report.md', 'repro.md', 'report.html',
  ...['gc-vs-epoch', 'test-acc-vs-epoch', 'final-gc-vs-knob', 'final-gc-vs-test-acc'].flatMap((p) => [`${p}.svg`, `${p}.png`]),
]);

/** A checked target: `existing` says what is there now and what replacing it removes. */
export interface ReportTarget {
  /** Absolute path of the report folder. */
  out: string;
  /** none: nothing there; empty: an empty folder; report: a gc-report folder holding `files`. */
  existing: 'none' | 'empty' | 'report';
  /** Names inside an existing report folder, the marker included: all that replacing it deletes. */
  files: string[];
  /** Folders to create, outermost first, before the report folder itself. */
  missingParents: string[];
  /** An existing report's usable runs as its marker records them; null: unknown (earlier versions). */
  usableRuns: number | null;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
const isInside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
};
const list = (names: string[]) => names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');

function lstatOrNull(path: string, flag: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`${flag} ${path}: cannot access (${code(e)})`);
  }
}

/** The path with its deepest existing ancestor resolved through symlinks (the rest appended). */
function realTarget(out: string, flag: string): { real: string; missingParents: string[] } {
  const missing: string[] = [];
  let anc = dirname(out);
  for (;;) {
    const st = lstatOrNull(anc, flag);
    if (st) break;
    missing.unshift(anc);
    anc = dirname(anc);
  }
  let ancStat;
  try {
    ancStat = statSync(anc);
  } catch (e) {
    throw new UsageError(`${flag} ${out}: cannot access ${anc} (${code(e)})`);
  }
  if (!ancStat.isDirectory()) throw new UsageError(`${flag} ${out}: ${anc} is a file, not a folder`);
  try {
    return { real: join(realpathSync(anc), relative(anc, out)), missingParents: missing };
  } catch (e) {
    throw new UsageError(`${flag} ${out}: cannot access ${anc} (${code(e)})`);
  }
}

/** True when `dir` or a folder up to two levels below holds a run.json (a results folder). */
function holdsRuns(dir: string, depth = 2): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (entries.some((e) => e.name === RUN_FILES.record)) return true;
  return depth > 0 && entries.some((e) => e.isDirectory() && holdsRuns(join(dir, e.name), depth - 1));
}

function readMarker(dir: string, flag: string): { files: string[]; usableRuns: number | null } {
  const file = join(dir, REPORT_MARKER);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${flag} ${dir}: its marker ${REPORT_MARKER} is unreadable (${code(e)}); refusing to replace the folder`);
  }
  const parsed = markerSchema.safeParse(doc);
  if (!parsed.success) {
    throw new UsageError(`${flag} ${dir}: its marker ${REPORT_MARKER} is not a gc-report marker; refusing to replace the folder`);
  }
  return { files: parsed.data.files, usableRuns: parsed.data.usable_runs ?? null };
}

/**
 * Checks that the report may be written at `outDir` reading `roots`, touching nothing.
 * Refused (UsageError): a file or symlink there; the results folder itself, a folder holding
 * it, or a folder inside it other than `<root>/report`; an existing non-empty folder that is
 * not a gc-report folder (marker, or an earlier version's exact file set) or that holds files
 * gc-report did not write; a path whose parent cannot be a folder. An empty folder is used
 * (nothing in it can be lost).
 */
export function checkReportTarget(outDir: string, roots: string[], flag = '--out'): ReportTarget {
  const out = resolve(outDir);
  if (out === dirname(out)) throw new UsageError(`${flag} ${outDir}: the root folder cannot be a report folder`);
  const { real, missingParents } = realTarget(out, flag);
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue; // a missing results folder is reported by discovery
    }
    if (real === realRoot || isInside(realRoot, real)) {
      throw new UsageError(`${flag} ${outDir}: is or contains the results folder ${root} being read; choose a folder outside it (default: ${join(root, 'report')})`);
    }
    if (isInside(real, realRoot) && real !== join(realRoot, 'report')) {
      throw new UsageError(`${flag} ${outDir}: is inside the results folder ${root} being read; use ${join(root, 'report')} (the default) or a folder outside it`);
    }
  }
  const st = lstatOrNull(out, flag);
  const target: ReportTarget = { out, existing: 'none', files: [], missingParents, usableRuns: null };
  if (!st) return target;
  if (st.isSymbolicLink()) throw new UsageError(`${flag} ${outDir}: is a symbolic link; give the folder it points to, or a new folder`);
  if (!st.isDirectory()) throw new UsageError(`${flag} ${outDir}: is a file, not a folder; gc-report writes a report folder and never replaces a file`);
  let entries;
  try {
    entries = readdirSync(out, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`${flag} ${outDir}: cannot read the folder (${code(e)})`);
  }
  if (entries.length === 0) return { ...target, existing: 'empty' };
  const names = entries.map((e) => e.name).sort();
  const notFiles = entries.filter((e) => !e.isFile()).map((e) => e.name);
  if (names.includes(REPORT_MARKER)) {
    const marker = readMarker(out, flag);
    const written = new Set(marker.files);
    const foreign = names.filter((n) => n !== REPORT_MARKER && (!written.has(n) || notFiles.includes(n)));
    if (foreign.length) {
      throw new UsageError(`${flag} ${outDir}: report folder holds entries gc-report did not write (${list(foreign)}); move them away or choose another folder`);
    }
    return { ...target, existing: 'report', files: names, usableRuns: marker.usableRuns };
  }
  if (holdsRuns(out)) {
    throw new UsageError(`${flag} ${outDir}: holds run folders (a results folder); refusing to replace it — choose a new or empty folder`);
  }
  const legacy = notFiles.length === 0 && names.every((n) => LEGACY_FILES.has(n)) && names.includes('report.html') && names.includes('summary.csv');
  if (legacy) return { ...target, existing: 'report', files: names };
  throw new UsageError(
    `${flag} ${outDir}: existing folder not written by gc-report (no ${REPORT_MARKER} marker; holds ${list(names)}); refusing to replace it — choose a new or empty folder`,
  );
}

/** Sibling path next to `out` for temp and old folders (hidden, so discovery skips them). */
export function siblingPath(out: string, kind: 'tmp' | 'old', stamp: string): string {
  return join(dirname(out), `.${basename(out)}.${kind}-${stamp}`);
}

/**
 * A report is never replaced by a worse one: a new report in which no run has a value (a
 * selection nothing reaches, runs not done yet) may be written to a new or empty folder, or
 * over a report that had none either, but never over a report with values (or one of an
 * earlier version, whose count is unknown). UsageError (exit 2), the old report untouched.
 */
export function checkReplacement(target: ReportTarget, outDir: string, usableRuns: number, what: string, flag = '--out'): void {
  if (usableRuns > 0 || target.existing !== 'report' || target.usableRuns === 0) return;
  const had = target.usableRuns === null ? 'a report' : `a report of ${target.usableRuns} usable run(s)`;
  throw new UsageError(`${flag} ${outDir}: no run has a value of ${what}, and the folder holds ${had}; left as it is (check --metric/--at, or write elsewhere with --out)`);
}
