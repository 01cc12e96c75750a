/**
 * report.html: one self-contained page (inline CSS, vega + vega-lite + vega-embed inlined once,
 * no network) with the reproduction table and, per sweep, its config, tables and interactive
 * plots (interactive.ts, embed.ts). The static SVG/PNG plots are files beside it, for papers.
 */
import type { Sweep } from './aggregate.js';
import { reproTable, REPRO_EXPLAIN, type ReproRow, type Verdict } from './repro.js';
import { sweepRunsTable, sweepSummaryTable } from './tables.js';
import { RUN_STATES } from './aggregate.js';
import type { RenderedPlot } from './render.js';
import { sweepPlots, type SweepPlots } from './interactive.js';
import { sweepConfigLines } from './sweep-config.js';
import { PAGE_SCRIPT, plotData, scriptSafe, vegaBundle } from './embed.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
body{font-family:system-ui,-apple-system,"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1400px;padding:0 16px;color:#222}
h1{margin-bottom:4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
.meta{color:#666;font-size:13px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.failed td{background:#fdecea}tr.incomplete td{background:#fff6e0}tr.invalid td{background:#eeeeee}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600}
.badge.done{background:#e3f2e1;color:#256029}.badge.failed{background:#d62728;color:#fff}.badge.incomplete{background:#ff9f1c;color:#222}.badge.invalid{background:#7f7f7f;color:#fff}
.yes{color:#256029;font-weight:600}.no{color:#b71c1c;font-weight:600}.weak{color:#8a6d00;font-weight:600}
.warn{background:#fff6e0;border-left:4px solid #ff9f1c;padding:6px 10px}
dl.config{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px;margin:6px 0 12px;background:#f8f8f8;padding:8px 12px;border-radius:4px}
dl.config dt{font-weight:600;color:#555}dl.config dd{margin:0;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.controls{display:flex;gap:18px;align-items:center;font-size:14px;margin:8px 0;flex-wrap:wrap}
.controls .hint{color:#666;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px 20px}
.chart{width:100%;min-height:300px}
#vg-tooltip-element{font-size:12px}
`;

function table(headers: string[], rows: string[][], rowClass: (i: number) => string = () => '', numCols: number[] = []): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r, i) => {
      const cls = rowClass(i);
      const tds = r.map((c, j) => `<td${numCols.includes(j) ? ' class="num"' : ''}>${c}</td>`).join('');
      return `<tr${cls ? ` class="${cls}"` : ''}>${tds}</tr>`;
    })
    .join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function sweepSection(s: Sweep, i: number, plots: SweepPlots): string {
  const sum = sweepSummaryTable(s);
  const sumRows = sum.rows.map((r, i) => {
    const g = s.groups[i];
    const counts = RUN_STATES
      .map((st) => (g.counts[st] ? `<span class="badge ${st}">${g.counts[st]} ${st}</span>` : ''))
      .filter(Boolean)
      .join(' ');
    return [esc(r[0]), counts, esc(r[2]), esc(r[3]), esc(r[4])];
  });
  const runs = sweepRunsTable(s);
  const runRows = runs.rows.map((r, i) => {
    const st = s.runs[i].state;
    return r.map((c, j) => (j === 3 ? `<span class="badge ${st}">${esc(c)}</span>` : esc(c)));
  });
  const warn = s.warnings.map((w) => `<p class="warn">Warning: ${esc(w)}</p>`).join('');
  return `<section id="sweep-${esc(s.experiment)}">
<h2>${esc(s.experiment)}</h2>
<p>Knob: <code>${esc(s.knobKeys.join(' × ') || '(none)')}</code> — ${s.runs.length} runs</p>${warn}
${configList(s)}
${table(sum.headers, sumRows, (i) => (s.groups[i].counts.failed ? 'failed' : s.groups[i].counts.invalid ? 'invalid' : s.groups[i].counts.incomplete ? 'incomplete' : ''), [2, 3, 4])}
<details><summary>Runs (${s.runs.length})</summary>
${table(runs.headers, runRows, (i) => (s.runs[i].state === 'done' ? '' : s.runs[i].state), [2, 5, 6, 7])}
</details>
${plotsBlock(i, plots)}
</section>`;
}

function configList(s: Sweep): string {
  const lines = sweepConfigLines(s);
  if (!lines.length) return '';
  return `<dl class="config">${lines.map((l) => `<dt>${esc(l.label)}</dt><dd>${esc(l.text)}</dd>`).join('')}</dl>`;
}

/** Controls and empty containers that the page script fills with this sweep's plots. */
function plotsBlock(i: number, p: SweepPlots): string {
  const options = p.axes.map((a) => `<option value="${esc(a.key)}"${a.key === p.defaultAxis ? ' selected' : ''}>${esc(a.title)}</option>`).join('');
  const curves = p.curves.map((c, j) => `<div class="chart curve-${j}" data-metric="${esc(c.metric)}"></div>`).join('\n');
  const finals = p.finals.map((f, j) => `<div class="chart final-${j}" data-plot="${esc(f.name)}"></div>`).join('\n');
  return `<div class="plots" id="plots-${i}">
<div class="controls"><label>x axis <select class="x-axis">${options}</select></label>
<label><input type="checkbox" class="log-y"${p.logY ? ' checked' : ''}> log y (GC)</label>
<label><input type="checkbox" class="seeds"> per-seed lines</label>
<span class="hint">hover: values · click a legend entry: show only it (shift-click: several) · drag: pan · wheel: zoom · double-click: reset</span></div>
<p class="hint meta">Solid: mean over done seeds where every one of them has data (band ±1 std); dashed: the tail where fewer seeds remain (n=k/N); dotted with crosses: failed or unfinished runs.</p>
<div class="charts">
${curves}
${finals}
</div>
</div>`;
}

function reproSection(rows: ReproRow[]): string {
  if (rows.length === 0) return '<p>No swept knobs found in these results.</p>';
  const t = reproTable(rows);
  const verdictCls: Record<Verdict, string> = { yes: 'yes', no: 'no', inconclusive: 'weak', 'not enough data': 'weak', undetermined: '', 'n/a': '' };
  const body = t.rows.map((cells, i) =>
    cells.map((c, j) => {
      if (j === 1) return `<code>${esc(c)}</code>`;
      if (j === cells.length - 1) return `<span class="${verdictCls[rows[i].measures[0].verdict]}">${esc(c)}</span>`;
      return esc(c);
    }),
  );
  return `${table(t.headers, body)}
<p class="meta">${esc(REPRO_EXPLAIN)}</p>`;
}

/** Builds the self-contained report page. */
export function reportHtml(
  sweeps: Sweep[],
  repro: ReproRow[],
  plots: { name: string; title: string; rendered: RenderedPlot }[],
  sources: string[],
  generatedAt: string,
): string {
  const interactive = sweeps.map(sweepPlots);
  const files = plots.map((p) => `<a href="${esc(p.name)}.svg">${esc(p.title)}</a> (<a href="${esc(p.name)}.png">PNG</a>)`).join(' · ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gc-report: ${esc(sweeps.map((s) => s.experiment).join(', '))}</title>
<style>${CSS}</style></head>
<body>
<h1>gc-report</h1>
<p class="meta">Results: ${sources.map((s) => `<code>${esc(s)}</code>`).join(', ')} · generated ${esc(generatedAt)}</p>
<p>Final = last epoch with a measured GC. Means and sample standard deviations are over the seeds of <b>done</b> runs;
failed/diverged, incomplete (running, interrupted) and invalid (untrustworthy metrics.csv) runs are counted and listed (highlighted), not averaged. One seed → no ± shown and no band.</p>
<h2>Reproduction of the paper's trends</h2>
${reproSection(repro)}
${sweeps.map((s, i) => sweepSection(s, i, interactive[i])).join('\n')}
<h2>Static plots (SVG and PNG, for papers)</h2>
<p>${files || 'none'}</p>
<script type="application/json" id="gc-plot-data">${plotData(interactive)}</script>
<script>${scriptSafe(vegaBundle())}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
