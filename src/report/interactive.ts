/**
 * The interactive plots of report.html: per sweep, the data of every run and the seed-averaged
 * curves, and vega-lite templates that the page's script (embed.ts) fills in for the chosen x
 * axis and y scale before handing them to vega-embed. The x axes are a list (CURVE_AXES): adding
 * one is adding an entry.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Sweep, RunSummary } from './aggregate.js';
import type { MetricsRow } from './read-run.js';
import { mean, sampleStd } from './stats.js';
import { FONT, finalVsAccSpec, finalVsKnobSpec, knobScale, spansDecades } from './plots.js';

/** An x axis of the curve plots: a value per metrics.csv row (null where not measured). */
export interface CurveAxis {
  key: string;
  title: string;
  /** Counts (epoch, step): ticks at whole numbers only. */
  integer?: boolean;
  value(row: MetricsRow): number | null;
}

const col = (name: string) => (row: MetricsRow) => row[name] ?? null;

/** The x axes offered, in menu order. */
export const CURVE_AXES: readonly CurveAxis[] = [
  { key: 'epoch', title: 'epoch', integer: true, value: col('epoch') },
  { key: 'step', title: 'SGD step', integer: true, value: col('step') },
  {
    key: 'flow_time', title: 'gradient-flow time (lr × step)',
    value: (r) => (r.lr === null || r.lr === undefined || r.step === null || r.step === undefined ? null : r.lr * r.step),
  },
  { key: 'train_acc', title: 'train accuracy', value: col('train_acc') },
  { key: 'train_loss', title: 'train loss', value: col('train_loss') },
];

/** A y quantity of the curve plots; `gcLike` ones get the log-y switch. */
export interface CurveMetric {
  key: string;
  title: string;
  gcLike: boolean;
}

/** gc and test accuracy always; the sweep's --metric / report.metric column too when it is another. */
export function curveMetrics(s: Sweep): CurveMetric[] {
  const out: CurveMetric[] = [{ key: 'gc', title: 'geometric complexity', gcLike: true }];
  const m = s.selection.metric;
  if (m !== 'gc' && m !== 'test_acc') out.push({ key: m, title: m, gcLike: m.startsWith('gc') });
  out.push({ key: 'test_acc', title: 'test accuracy', gcLike: false });
  return out;
}

/** The x axis a sweep opens on: what its stop rule compares at (train accuracy, flow time), else the epoch. */
export function defaultAxis(s: Sweep): string {
  const train = (r: RunSummary) => (r.config.train ?? {}) as { stop_train_acc?: unknown; flow_time?: unknown };
  if (s.runs.some((r) => train(r).stop_train_acc !== undefined)) return 'train_acc';
  if (s.runs.some((r) => train(r).flow_time !== undefined)) return 'flow_time';
  return 'epoch';
}

const finite = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);

/** One row per run and metrics.csv row: knob, seed, state, every axis and metric value. */
function runRows(s: Sweep, metrics: CurveMetric[]) {
  return s.runs.flatMap((r) =>
    r.metrics.map((m) => {
      const row: Record<string, unknown> = { run: r.id, seed: r.seed, knob: r.knobLabel, state: r.state };
      for (const a of CURVE_AXES) row[a.key] = a.value(m);
      for (const c of metrics) row[c.key] = finite(m[c.key]) ? m[c.key] : null;
      return row;
    }),
  );
}

/**
 * Seed means per knob value and epoch, over done runs, for each metric. part 'full': every done
 * seed of the value measured there; 'tail': fewer (its first point repeats the last full one so
 * the lines join), its last point labelled "n=k/N". Axis values are seed means too.
 */
function meanRows(s: Sweep, metrics: CurveMetric[], floor: Record<string, number>) {
  const out: Record<string, unknown>[] = [];
  for (const g of s.groups) {
    const done = g.runs.filter((r) => r.state === 'done');
    for (const c of metrics) {
      const measured = done.filter((r) => r.metrics.some((m) => finite(m[c.key])));
      const nDone = measured.length;
      const byEpoch = new Map<number, MetricsRow[]>();
      for (const r of measured) {
        for (const m of r.metrics) {
          if (!finite(m[c.key])) continue;
          const e = m.epoch as number;
          if (!byEpoch.has(e)) byEpoch.set(e, []);
          byEpoch.get(e)!.push(m);
        }
      }
      let prev: Record<string, unknown> | null = null;
      for (const [epoch, rows] of [...byEpoch.entries()].sort((a, b) => a[0] - b[0])) {
        const vals = rows.map((m) => m[c.key] as number);
        const v = mean(vals)!;
        const sd = sampleStd(vals);
        const p: Record<string, unknown> = { metric: c.key, knob: g.label, epoch, n: rows.length, nDone, value: v };
        for (const a of CURVE_AXES) {
          const xs = rows.map((m) => a.value(m)).filter(finite);
          p[a.key] = xs.length === rows.length ? mean(xs) : null;
        }
        if (sd !== null) Object.assign(p, { lo: v - sd, hi: v + sd, lo_pos: Math.max(v - sd, floor[c.key]) });
        const part = rows.length === nDone ? 'full' : 'tail';
        if (part === 'tail' && prev && prev.part === 'full') out.push({ ...prev, part: 'tail', label: null });
        const row: Record<string, unknown> = { ...p, part, label: null };
        out.push(row);
        prev = row;
      }
      // The tail's end says how many seeds are left there.
      if (prev && prev.part === 'tail') prev.label = `n=${prev.n}/${nDone}`;
    }
  }
  return out;
}

/** Placeholders in the templates: the page script replaces these JSON strings. */
export const TEMPLATE_TOKENS = { x: '@X@', xTitle: '@XTITLE@', xStep: '@XSTEP@', yScale: '@YSCALE@', lo: '@LO@' } as const;

const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 'container',
  height: 260,
  autosize: { type: 'fit-x', contains: 'padding' },
  config: { font: FONT, background: 'white', legend: { labelLimit: 260, titleLimit: 400 }, title: { anchor: 'start' } },
};

/** Template of one curve plot (metric vs the chosen x axis) of one sweep. */
function curveTemplate(s: Sweep, c: CurveMetric): object {
  const T = TEMPLATE_TOKENS;
  const knobTitle = s.knobKeys.join(' × ') || 'runs';
  const labels = s.groups.map((g) => g.label);
  const x = { field: T.x, type: 'quantitative', title: T.xTitle, scale: { zero: false, nice: false }, axis: { tickMinStep: T.xStep } };
  // Domains fit the data (no rounding out to the next decade on a log axis).
  const yScale = c.gcLike ? { type: T.yScale, nice: false } : { zero: false, nice: false };
  const y = { field: 'value', type: 'quantitative', title: c.title, scale: yScale };
  const color = { field: 'knob', type: 'nominal', title: `${knobTitle} (click to toggle)`, scale: knobScale(labels), legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } };
  const plain = { field: 'knob', type: 'nominal', scale: knobScale(labels) };
  const picked = { condition: { param: 'knobs', value: 1 }, value: 0.08 };
  const fmt = '.4~g';
  const tip = [
    { field: 'knob', title: knobTitle }, { field: 'epoch', title: 'epoch' }, { field: T.x, title: T.xTitle, format: fmt },
    { field: 'value', title: c.title, format: fmt },
  ];
  const means = (part: string, extra = '') => ({
    data: { name: 'means' },
    transform: [{ filter: `datum.metric === ${JSON.stringify(c.key)} && datum.part === '${part}' && isValid(datum['${T.x}'])${extra}` }],
  });
  const runs = (cond: string) => ({
    data: { name: 'runs' },
    transform: [{ filter: `${cond} && isValid(datum[${JSON.stringify(c.key)}]) && isValid(datum['${T.x}'])` }],
  });
  const yRun = { ...y, field: c.key };
  return {
    ...base,
    title: { text: `${c.title} — ${s.experiment}`, fontSize: 14 },
    layer: [
      {
        name: 'mean', ...means('full'),
        params: [
          { name: 'knobs', select: { type: 'point', fields: ['knob'] }, bind: 'legend' },
          { name: 'zoom', select: 'interval', bind: 'scales' },
        ],
        mark: { type: 'line', strokeWidth: 2.2, point: { filled: true, size: 36 } },
        encoding: { x, y, color, opacity: picked, tooltip: [...tip, { field: 'n', title: 'seeds (all done)' }] },
      },
      {
        name: 'band', ...means('full', ' && isValid(datum.lo)'),
        mark: { type: 'area' },
        encoding: { x, y: { ...y, field: T.lo }, y2: { field: 'hi' }, color: plain, opacity: { condition: { param: 'knobs', value: 0.18 }, value: 0.03 }, detail: { field: 'knob' } },
      },
      {
        name: 'tail', ...means('tail'),
        mark: { type: 'line', strokeWidth: 1.5, strokeDash: [5, 4], point: { filled: false, size: 30 } },
        encoding: { x, y, color: plain, opacity: picked, tooltip: [...tip, { field: 'n', title: 'seeds here' }, { field: 'nDone', title: 'done seeds' }] },
      },
      {
        name: 'tail-label', ...means('tail', ' && datum.label !== null'),
        mark: { type: 'text', align: 'left', dx: 5, dy: -7, fontSize: 10 },
        encoding: { x, y, text: { field: 'label' }, color: plain, opacity: picked },
      },
      {
        name: 'seeds', ...runs(`datum.state === 'done'`),
        params: [{ name: 'seedpick', select: { type: 'point', fields: ['seed'] }, bind: 'legend' }],
        mark: { type: 'line', strokeWidth: 1, point: { size: 14 } },
        encoding: {
          x, y: yRun, color: plain, detail: { field: 'run' },
          strokeDash: { field: 'seed', type: 'nominal', title: 'seed (click to toggle)', legend: { symbolType: 'stroke', symbolStrokeColor: '#444' } },
          opacity: { condition: { test: `${'(!length(data("knobs_store")) || vlSelectionTest("knobs_store", datum))'} && (!length(data("seedpick_store")) || vlSelectionTest("seedpick_store", datum))`, value: 0.7 }, value: 0.05 },
          tooltip: [{ field: 'run', title: 'run' }, { field: 'seed', title: 'seed' }, ...tip.slice(1, 3), { field: c.key, title: c.title, format: fmt }],
        },
      },
      {
        name: 'others', ...runs(`datum.state !== 'done'`),
        mark: { type: 'line', strokeWidth: 1.5, strokeDash: [2, 2], point: { shape: 'cross', size: 30 } },
        encoding: {
          x, y: yRun, color: plain, detail: { field: 'run' }, opacity: picked,
          tooltip: [{ field: 'run', title: 'run' }, { field: 'state', title: 'state' }, ...tip.slice(1, 3), { field: c.key, title: c.title, format: fmt }],
        },
      },
    ],
  };
}

/** One panel of a static concat spec as a page-wide, zoomable plot with tooltips. */
function interactivePanel(spec: TopLevelSpec): object {
  const panel = (spec as { concat: Record<string, any>[] }).concat[0];
  const layers: Record<string, any>[] = panel.layer ?? [{ mark: panel.mark, encoding: panel.encoding, data: panel.data }];
  const withTips = layers.map((l, i) => ({
    ...l,
    mark: { ...(typeof l.mark === 'string' ? { type: l.mark } : l.mark), tooltip: { content: 'data' } },
    ...(i === layers.length - 1 ? { params: [{ name: 'zoom', select: 'interval', bind: 'scales' }] } : {}),
  }));
  return { ...base, title: { text: (spec as any).title.text, subtitle: panel.title?.text, fontSize: 14 }, layer: withTips };
}

/** Everything the page needs for one sweep's plots. */
export interface SweepPlots {
  /** x axes with data in this sweep, and the one shown first. */
  axes: { key: string; title: string; integer: boolean }[];
  defaultAxis: string;
  /** Whether the log-y switch starts on (GC values span a decade). */
  logY: boolean;
  data: { runs: Record<string, unknown>[]; means: Record<string, unknown>[] };
  /** Curve templates (filled in by the page) and ready specs (final values). */
  curves: { metric: string; template: object }[];
  finals: { name: string; spec: object }[];
}

/** Data and specs of one sweep's interactive plots. */
export function sweepPlots(s: Sweep): SweepPlots {
  const metrics = curveMetrics(s);
  const runs = runRows(s, metrics);
  const floor: Record<string, number> = {};
  for (const c of metrics) {
    const pos = runs.map((r) => r[c.key] as number | null).filter((v): v is number => finite(v) && v > 0);
    floor[c.key] = pos.length ? Math.min(...pos) / 10 : 1e-6;
  }
  const axes = CURVE_AXES.filter((a) => runs.some((r) => finite(r[a.key] as number | null))).map((a) => ({ key: a.key, title: a.title, integer: a.integer ?? false }));
  const wanted = defaultAxis(s);
  const gcVals = runs.map((r) => r.gc as number | null).filter(finite);
  return {
    axes,
    defaultAxis: axes.some((a) => a.key === wanted) ? wanted : 'epoch',
    logY: spansDecades(gcVals),
    data: { runs, means: meanRows(s, metrics, floor) },
    curves: metrics.map((c) => ({ metric: c.key, template: curveTemplate(s, c) })),
    finals: [
      { name: 'final-vs-knob', spec: interactivePanel(finalVsKnobSpec([s])) },
      { name: 'final-vs-test-acc', spec: interactivePanel(finalVsAccSpec([s])) },
    ],
  };
}
