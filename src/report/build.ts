/**
 * gc-report's pipeline without I/O side effects on the output: discover run folders, read
 * and aggregate them, build the reproduction rows and render the plots into memory.
 */
import { discoverRuns } from './discover.js';
import { readRun } from './read-run.js';
import { aggregate, type Sweep } from './aggregate.js';
import { checkSelectionColumns, type AtPoint } from './selection.js';
import { reproRows, type ReproRow } from './repro.js';
import { plotSpecs, type PlotName } from './plots.js';
import { seriesSpec, sizeCurvesSpec } from './plots-size.js';
import { renderSpec, type RenderedPlot } from './render.js';

/** Everything a report shows, in memory. */
export interface Report {
  sources: string[];
  sweeps: Sweep[];
  repro: ReproRow[];
  plots: { name: PlotName; title: string; rendered: RenderedPlot }[];
}

/** Which value each run contributes (selection.ts); omitted: final value of report.metric or gc. */
export interface ReportOptions {
  metric?: string;
  at?: AtPoint | null;
  /** Told about each symbolic link to a folder that discovery followed. */
  onNote?: (note: string) => void;
}

/**
 * Loads all runs under `roots` (merged) and aggregates them; throws UsageError/DataError on bad
 * input (also a --metric/--at column that no run has).
 */
export function loadSweeps(roots: string[], opts: ReportOptions = {}): Sweep[] {
  const runs = discoverRuns(roots, opts.onNote).map(readRun);
  checkSelectionColumns(runs, opts);
  return aggregate(runs, opts);
}

/** Builds the full report for `roots`. `withPlots: false` skips rendering (terminal-only use). */
export async function buildReport(roots: string[], withPlots = true, opts: ReportOptions = {}): Promise<Report> {
  const sweeps = loadSweeps(roots, opts);
  const repro = reproRows(sweeps);
  const plots: Report['plots'] = [];
  if (withPlots) {
    for (const p of plotSpecs(sweeps)) plots.push({ name: p.name, title: p.title, rendered: await renderSpec(p.spec) });
    // Only where a sweep has what they show: a size sweep, a sweep of two knobs.
    const size = sizeCurvesSpec(sweeps);
    if (size) plots.push({ name: 'size-curves', title: 'Test loss and GC vs parameter count', rendered: await renderSpec(size) });
    const series = seriesSpec(sweeps);
    if (series) plots.push({ name: 'final-gc-by-series', title: 'Final value vs a numeric knob, per value of the other', rendered: await renderSpec(series) });
  }
  return { sources: roots, sweeps, repro, plots };
}
