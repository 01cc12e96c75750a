/**
 * report.md: the same tables as the terminal and HTML views, with the PNG plots linked.
 */
import type { Sweep } from './aggregate.js';
import type { ReproRow } from './repro.js';
import { reproMarkdown } from './repro.js';
import { sweepRunsTable, sweepSummaryTable } from './tables.js';
import { mdTable } from './format.js';

/** Builds report.md; `plots` are file stems of PNGs written next to it. */
export function reportMarkdown(
  sweeps: Sweep[],
  repro: ReproRow[],
  plots: { name: string; title: string }[],
  sources: string[],
): string {
  const out: string[] = ['# gc-report', '', `Results: ${sources.map((s) => `\`${s}\``).join(', ')}`, ''];
  out.push(
    'Final = last epoch with a measured GC. Means and sample standard deviations are over the seeds of **done** ' +
      'runs; failed/diverged, incomplete (running, interrupted) and invalid (untrustworthy metrics.csv) runs are ' +
      'counted and listed, not averaged. One seed → no ± shown.',
    '',
  );
  for (const s of sweeps) {
    out.push(`## ${s.experiment}`, '', `Knob: ${s.knobKeys.map((k) => `\`${k}\``).join(' × ') || '(none)'}`, '');
    for (const w of s.warnings) out.push(`> **Warning:** ${w}`, '');
    const t = sweepSummaryTable(s);
    out.push(mdTable(t.headers, t.rows), '');
    const r = sweepRunsTable(s);
    out.push('<details><summary>Runs</summary>', '', mdTable(r.headers, r.rows), '', '</details>', '');
  }
  out.push('## Plots', '');
  for (const p of plots) out.push(`### ${p.title}`, '', `![${p.title}](${p.name}.png)`, '');
  out.push(reproMarkdown(repro).replace(/^# /, '## '));
  return out.join('\n');
}
