/**
 * Two report plots for sweeps over model size and over two knobs (issue #21):
 * - `size-curves`: test loss and GC against the parameter count (log x), seed mean ± std, for
 *   every sweep with one knob and ≥ 3 parameter counts (width sweeps: double descent);
 * - `final-gc-by-series`: the compared value against a numeric knob, one line per value of the
 *   sweep's other knob (e.g. GC at init against depth, one line per init scheme), log y when it
 *   spans a decade.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Sweep } from './aggregate.js';
import { formatKnobValue } from './aggregate.js';
import { isSizeSweep, sizeCurve } from './width.js';
import { spansDecades } from './plots.js';
import { FONT } from './plots.js';

const PANEL = { width: 320, height: 220 };
const scaleFor = (values: number[]) => (spansDecades(values) ? { type: 'log' as const } : { zero: false });

function concat(title: string, panels: object[], columns: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    columns,
    concat: panels,
    resolve: { scale: { x: 'independent', y: 'independent', color: 'independent' } },
    config: { font: FONT, background: 'white', legend: { labelLimit: 260 }, title: { anchor: 'start' } },
  } as TopLevelSpec;
}

/** Mean line, ±std error bars and per-seed points of one metric against the parameter count. */
function sizePanel(s: Sweep, column: string, title: string): object | null {
  const curve = sizeCurve(s, column).filter((p) => p.parameters !== null && p.stat.mean !== null);
  if (curve.length === 0) return null;
  const key = s.knobKeys[0];
  const means = curve.map((p) => ({ parameters: p.parameters, mean: p.stat.mean, lo: p.stat.mean! - (p.stat.std ?? 0), hi: p.stat.mean! + (p.stat.std ?? 0), knob: formatKnobValue(p.value), n: p.stat.n }));
  const seeds = s.runs
    .filter((r) => r.state === 'done' && r.parameters !== null && r.finalEpoch !== null)
    .map((r) => ({ parameters: r.parameters, value: r.metrics.find((m) => m.epoch === r.finalEpoch)?.[column], seed: r.seed }))
    .filter((d) => typeof d.value === 'number' && Number.isFinite(d.value));
  const x = { field: 'parameters', type: 'quantitative', title: 'parameters (log)', scale: { type: 'log' } };
  const yScale = scaleFor(means.map((m) => m.mean as number));
  return {
    title: { text: `${s.experiment}: ${title}`, subtitle: `mean ± std over seeds, one point per ${key} value` },
    ...PANEL,
    layer: [
      { data: { values: means }, mark: { type: 'rule', color: '#4c78a8' }, encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale, title }, y2: { field: 'hi' } } },
      { data: { values: seeds }, mark: { type: 'point', size: 20, color: '#999', opacity: 0.7 }, encoding: { x, y: { field: 'value', type: 'quantitative', scale: yScale, title } } },
      {
        data: { values: means },
        mark: { type: 'line', color: '#4c78a8', strokeWidth: 2, point: { size: 30, filled: true } },
        encoding: { x, y: { field: 'mean', type: 'quantitative', scale: yScale, title }, tooltip: [{ field: 'knob', title: key }, { field: 'parameters' }, { field: 'mean' }, { field: 'n' }] },
      },
    ],
  };
}

/** Test loss and the compared metric (GC) against parameter count, for every size sweep; null if none. */
export function sizeCurvesSpec(sweeps: Sweep[]): TopLevelSpec | null {
  const panels = sweeps.filter(isSizeSweep).flatMap((s) => [sizePanel(s, 'test_loss', 'test loss'), sizePanel(s, s.selection.metric, s.selection.metric === 'gc' ? 'GC' : s.selection.metric)]).filter((p) => p !== null);
  return panels.length ? concat('Test loss and GC vs parameter count', panels, 2) : null;
}

/** For a sweep of exactly two knobs with one numeric: [numeric key, series key]; else null. */
export function seriesKeys(s: Sweep): [string, string] | null {
  if (s.knobKeys.length !== 2) return null;
  const numeric = s.knobKeys.filter((k) => s.runs.every((r) => typeof r.knob[k] === 'number'));
  if (numeric.length === 0) return null;
  const x = numeric[0];
  return [x, s.knobKeys.find((k) => k !== x)!];
}

/** The compared value (seed mean ± std) against the numeric knob, one line per value of the other knob; null if no such sweep. */
export function seriesSpec(sweeps: Sweep[]): TopLevelSpec | null {
  const panels = sweeps.flatMap((s) => {
    const keys = seriesKeys(s);
    if (!keys) return [];
    const [xKey, seriesKey] = keys;
    const rows = s.groups
      .filter((g) => g.finalValue.mean !== null && Number.isFinite(g.finalValue.mean))
      .map((g) => ({ x: g.knob[xKey], series: formatKnobValue(g.knob[seriesKey]), mean: g.finalValue.mean, lo: g.finalValue.mean! - (g.finalValue.std ?? 0), hi: g.finalValue.mean! + (g.finalValue.std ?? 0), n: g.finalValue.n }));
    if (rows.length === 0) return [];
    const log = spansDecades(rows.map((r) => r.mean as number));
    const floor = log ? Math.min(...rows.map((r) => r.mean as number)) / 10 : -Infinity;
    for (const r of rows) r.lo = Math.max(r.lo, floor);
    const yTitle = s.selection.metric === 'gc' ? 'GC' : s.selection.metric;
    const y = (field: string) => ({ field, type: 'quantitative', title: `${yTitle}${log ? ' (log)' : ''}`, scale: log ? { type: 'log' } : { zero: false } });
    const x = { field: 'x', type: 'quantitative', title: xKey, axis: { tickMinStep: 1 } };
    const color = { field: 'series', type: 'nominal', title: seriesKey };
    return [{
      title: { text: s.experiment, subtitle: `${yTitle} (mean ± std over seeds) vs ${xKey}, one line per ${seriesKey}` },
      ...PANEL,
      data: { values: rows },
      layer: [
        { mark: { type: 'errorbar', ticks: false }, encoding: { x, y: y('lo'), y2: { field: 'hi' }, color } },
        { mark: { type: 'line', strokeWidth: 2, point: { size: 25, filled: true } }, encoding: { x, y: y('mean'), color, tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'mean' }, { field: 'n' }] } },
      ],
    }];
  });
  return panels.length ? concat('Final GC vs a numeric knob, one line per value of the other knob (GC at init when train.epochs is 0)', panels, 1) : null;
}
