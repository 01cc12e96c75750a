/**
 * Declarative vega-lite specs of the four report plots, one panel per sweep. Data are
 * embedded (values), field names are plain identifiers (vega-lite reads dots as nesting).
 */
import type { TopLevelSpec } from 'vega-lite';
import { RUN_STATES, type Sweep } from './aggregate.js';

/** Font stack: DejaVu Sans is what resvg finds on Debian (fonts-dejavu-core). */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const PANEL = { width: 320, height: 220 };
const STATE_ORDER = [...RUN_STATES];
/** Line kind of a mean curve's tail, where fewer than all done seeds remain. */
const TAIL_KIND = 'mean, fewer seeds (tail)';
/** Dash pattern per line kind, so a kind looks the same in every panel. */
const DASHES: Record<string, number[]> = {
  'mean over done seeds': [1, 0], [TAIL_KIND]: [4, 4], 'failed run': [6, 3], 'incomplete run': [2, 2], 'invalid run': [8, 2, 2, 2],
};
/** Tableau-10: distinct, colour-blind-aware; cycled for more than ten knob values. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
/** Explicit knob → colour scale so every layer and plot colours a knob value alike. */
export const knobScale = (labels: string[]) => ({ domain: labels, range: labels.map((_, i) => PALETTE[i % PALETTE.length]) });

/** The plots of a report, by file stem. */
export type PlotName = 'gc-vs-epoch' | 'test-acc-vs-epoch' | 'final-gc-vs-knob' | 'final-gc-vs-test-acc' | 'size-curves' | 'final-gc-by-series';

/** True when positive values span at least a decade, so a log axis reads better. */
export function spansDecades(values: number[]): boolean {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length < 2 || v.some((x) => x <= 0)) return false;
  return Math.max(...v) / Math.min(...v) >= 10;
}

/**
 * A scale whose domain is the data's extent (nice: false, so an lr axis ending at 0.3 does not run
 * to 1), padded by a few pixels: log when positive values span a decade, symlog when they do
 * and 0 is among them (a log axis cannot show 0; linear would stack 0 and 0.001), else linear.
 */
export function scaleFor(values: number[]): Record<string, unknown> {
  const v = values.filter((x) => Number.isFinite(x));
  const pos = v.filter((x) => x > 0);
  if (spansDecades(v)) return { type: 'log', nice: false, padding: 12 };
  if (v.some((x) => x === 0) && v.every((x) => x >= 0) && spansDecades(pos)) {
    return { type: 'symlog', constant: Math.min(...pos), nice: false, padding: 12 };
  }
  return { zero: false, nice: false, padding: 12 };
}
/** Ticks at the knob values themselves (a log or symlog axis otherwise labels 0.02, 0.04, …). */
const knobTicks = (values: number[]) => {
  const v = [...new Set(values.filter((x) => Number.isFinite(x)))].sort((a, b) => a - b);
  return v.length <= 12 ? { values: v, format: '~g', labelOverlap: true } : {};
};
const knobTitle = (s: Sweep) => s.knobKeys.join(' × ') || 'runs';
const domain = (s: Sweep) => s.groups.map((g) => g.label);
const finite = (x: number | null): x is number => x !== null && Number.isFinite(x);

function concat(title: string, panels: object[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    columns: Math.min(2, panels.length),
    concat: panels,
    resolve: {
      scale: { x: 'independent', y: 'independent', color: 'independent', strokeDash: 'independent', shape: 'independent' },
      legend: { color: 'independent', strokeDash: 'independent', shape: 'independent' },
    },
    config: { font: FONT, background: 'white', legend: { labelLimit: 260, titleLimit: 400 }, title: { anchor: 'start' } },
  } as TopLevelSpec;
}

/**
 * Metric vs epoch: per knob value the mean over done runs (solid line) with a ±std band
 * (only where ≥ 2 seeds were measured), plus each failed/incomplete/invalid run as its own dashed line.
 */
export function curveSpec(sweeps: Sweep[], metric: 'gc' | 'test_acc'): TopLevelSpec {
  const yTitle = metric === 'gc' ? 'geometric complexity' : 'test accuracy';
  const panels = sweeps.map((s) => {
    // Solid mean only where every done seed of the value has data; after that, where seeds have
    // stopped (stop rule, flow time), a dashed tail from the last full point, its end labelled n=k/N.
    const split = s.groups.map((g) => {
      const N = g.runs.filter((r) => r.state === 'done' && r.metrics.some((m) => finite(m[metric]))).length;
      const pts = g.curves[metric];
      const full = pts.filter((p) => p.n === N);
      const lastFull = full[full.length - 1];
      const rest = pts.filter((p) => p.n < N);
      return { g, N, full, tail: rest.length && lastFull ? [lastFull, ...rest] : rest };
    });
    const means = split.flatMap(({ g, full }) =>
      full.map((p) => ({ knob: g.label, epoch: p.epoch, value: p.mean, n: p.n, kind: 'mean over done seeds' })),
    );
    const tails = split.flatMap(({ g, N, tail }) =>
      tail.map((p, i) => ({
        knob: g.label, epoch: p.epoch, value: p.mean, kind: TAIL_KIND,
        label: i === tail.length - 1 ? `n=${p.n}/${N}` : '',
      })),
    );
    const others = s.runs
      .filter((r) => r.state !== 'done')
      .flatMap((r) =>
        r.metrics
          .filter((m) => finite(m[metric]))
          .map((m) => ({ knob: r.knobLabel, epoch: m.epoch, value: m[metric], run: r.id, kind: `${r.state} run` })),
      );
    const allValues = [...means.map((d) => d.value), ...tails.map((d) => d.value), ...others.map((d) => d.value as number)];
    const log = metric === 'gc' && spansDecades(allValues);
    // On a log axis a band reaching ≤ 0 is cut at the smallest plotted value / 10.
    const floor = log ? Math.min(...allValues) / 10 : -Infinity;
    const bands = split.flatMap(({ g, full }) =>
      full
        .filter((p) => p.std !== null)
        .map((p) => ({ knob: g.label, epoch: p.epoch, lo: Math.max(p.mean - p.std!, floor), hi: p.mean + p.std! })),
    );
    const kinds = ['mean over done seeds', ...(tails.length ? [TAIL_KIND] : []), ...STATE_ORDER.filter((st) => st !== 'done' && s.runs.some((r) => r.state === st)).map((st) => `${st} run`)];
    // Legends show strokes (the band layer's fill swatch would otherwise win).
    const stroke = { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 300, symbolOpacity: 1 };
    const color = { field: 'knob', type: 'nominal', title: knobTitle(s), scale: knobScale(domain(s)), legend: stroke };
    const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } };
    const yScale = log ? { type: 'log' } : metric === 'gc' ? { zero: true } : { zero: false };
    const dash = {
      field: 'kind', type: 'nominal', title: 'line', legend: { ...stroke, encode: { symbols: { update: { stroke: { value: '#444' }, fill: { value: 'transparent' } } } } },
      scale: { domain: kinds, range: kinds.map((k) => DASHES[k]) },
    };
    return {
      title: { text: s.experiment, subtitle: log ? `${yTitle} on a log axis` : '' },
      ...PANEL,
      layer: [
        {
          data: { values: bands },
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x, y: { field: 'lo', type: 'quantitative', scale: yScale, title: yTitle }, y2: { field: 'hi' },
            color,
          },
        },
        {
          data: { values: means },
          mark: { type: 'line', strokeWidth: 2, point: { size: 18 } },
          encoding: { x, y: { field: 'value', type: 'quantitative', scale: yScale, title: yTitle }, color, strokeDash: dash },
        },
        {
          data: { values: others },
          mark: { type: 'line', strokeWidth: 1.5, opacity: 0.85 },
          encoding: {
            x, y: { field: 'value', type: 'quantitative', scale: yScale, title: yTitle }, color, strokeDash: dash,
            detail: { field: 'run' },
          },
        },
        {
          data: { values: tails },
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'value', type: 'quantitative', scale: yScale, title: yTitle }, color, strokeDash: dash },
        },
        {
          data: { values: tails.filter((t) => t.label) },
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 9 },
          encoding: { x, y: { field: 'value', type: 'quantitative', scale: yScale, title: yTitle }, text: { field: 'label' }, color },
        },
      ],
    };
  });
  return concat(metric === 'gc' ? 'Geometric complexity vs epoch' : 'Test accuracy vs epoch', panels);
}

const shape = {
  field: 'state', type: 'nominal', title: 'run',
  scale: { domain: STATE_ORDER, range: ['circle', 'cross', 'triangle-up', 'diamond'] },
};

/** Final GC vs knob value: each run (seed) a point, shaped by status; line through done means. */
export function finalVsKnobSpec(sweeps: Sweep[]): TopLevelSpec {
  const panels = sweeps.map((s) => {
    const numeric = s.knobKeys.length === 1 && s.runs.every((r) => typeof r.knob[s.knobKeys[0]] === 'number');
    const xOf = (knob: Record<string, unknown>, label: string) => (numeric ? (knob[s.knobKeys[0]] as number) : label);
    const points = s.runs
      .filter((r) => finite(r.finalValue))
      .map((r) => ({ x: xOf(r.knob, r.knobLabel), gc: r.finalValue, state: r.state, seed: r.seed, knob: r.knobLabel }));
    const means = s.groups
      .filter((g) => finite(g.finalValue.mean))
      .map((g) => ({ x: xOf(g.knob, g.label), gc: g.finalValue.mean, knob: g.label }));
    const xVals = numeric ? s.groups.map((g) => g.knob[s.knobKeys[0]] as number) : [];
    const x = numeric
      ? { field: 'x', type: 'quantitative', title: knobTitle(s), scale: scaleFor(xVals), axis: knobTicks(xVals) }
      : { field: 'x', type: 'ordinal', title: knobTitle(s), sort: domain(s), scale: { domain: domain(s) }, axis: { labelAngle: -30 } };
    const yScale = scaleFor(points.map((p) => p.gc as number));
    const y = { field: 'gc', type: 'quantitative', title: 'final GC', scale: yScale };
    return {
      title: { text: s.experiment },
      ...PANEL,
      layer: [
        { data: { values: means }, mark: { type: 'line', color: '#888', strokeWidth: 1.5 }, encoding: { x, y } },
        {
          data: { values: points },
          mark: { type: 'point', size: 60, filled: true, opacity: 0.85 },
          encoding: { x, y, shape, color: { field: 'state', type: 'nominal', title: 'run', scale: { domain: STATE_ORDER, range: ['#1f77b4', '#d62728', '#ff7f0e', '#7f7f7f'] } } },
        },
      ],
    };
  });
  return concat('Final GC vs knob value (points: seeds; line: mean of done runs)', panels);
}

/** Final GC vs final test accuracy, every run of a sweep, coloured by knob value. */
export function finalVsAccSpec(sweeps: Sweep[]): TopLevelSpec {
  const panels = sweeps.map((s) => {
    const points = s.runs
      .filter((r) => finite(r.finalValue) && finite(r.finalTestAcc))
      .map((r) => ({ gc: r.finalValue, acc: r.finalTestAcc, knob: r.knobLabel, state: r.state, seed: r.seed }));
    return {
      title: { text: s.experiment },
      ...PANEL,
      data: { values: points },
      mark: { type: 'point', size: 60, filled: true, opacity: 0.85 },
      encoding: {
        x: { field: 'gc', type: 'quantitative', title: 'final GC', scale: scaleFor(points.map((p) => p.gc as number)) },
        y: { field: 'acc', type: 'quantitative', title: 'final test accuracy', scale: { zero: false } },
        color: { field: 'knob', type: 'nominal', title: knobTitle(s), scale: knobScale(domain(s)) },
        shape,
      },
    };
  });
  return concat('Final GC vs final test accuracy (all runs)', panels);
}

/** All report plots in display order (build.ts adds those of plots-size.ts where a sweep has what they show). */
export function plotSpecs(sweeps: Sweep[]): { name: PlotName; title: string; spec: TopLevelSpec }[] {
  return [
    { name: 'gc-vs-epoch', title: 'GC vs epoch', spec: curveSpec(sweeps, 'gc') },
    { name: 'test-acc-vs-epoch', title: 'Test accuracy vs epoch', spec: curveSpec(sweeps, 'test_acc') },
    { name: 'final-gc-vs-knob', title: 'Final GC vs knob value', spec: finalVsKnobSpec(sweeps) },
    { name: 'final-gc-vs-test-acc', title: 'Final GC vs final test accuracy', spec: finalVsAccSpec(sweeps) },
  ];
}
