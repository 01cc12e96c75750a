/**
 * What makes report.html interactive offline: the vega + vega-lite + vega-embed bundle
 * (scripts/bundle-vega.mjs, written by `npm run build` next to this module), inlined once per
 * page, and the small page script that fills in the plot templates of interactive.ts for the
 * chosen x axis, log-y and per-seed switches and (re-)embeds them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SweepPlots } from './interactive.js';
import { TEMPLATE_TOKENS } from './interactive.js';

/** A build output beside this module (package.json "build"), not a source file: no .ts twin. */
export const BUNDLE_FILE = 'vega-bundle.js';
const BUNDLE = new URL(BUNDLE_FILE, import.meta.url);
let bundle: string | undefined;

/** The minified vega/vega-lite/vega-embed bundle; throws when the build did not write it. */
export function vegaBundle(): string {
  if (bundle === undefined) {
    try {
      bundle = readFileSync(BUNDLE, 'utf8');
    } catch {
      throw new Error(`gc-report: ${fileURLToPath(BUNDLE)} is missing; run \`npm run build\` (scripts/bundle-vega.mjs writes it)`);
    }
  }
  return bundle;
}

/** Text safe inside a <script> element (no "</script" or "<!--" can close or confuse it). */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON inside <script type="application/json">: every "<" escaped. */
export function jsonScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The page's plot data: one entry per sweep, in section order. */
export function plotData(sweeps: SweepPlots[]): string {
  return jsonScript({ tokens: TEMPLATE_TOKENS, sweeps });
}

/**
 * Page script: body[data-plots] is 'rendering' while any embed is pending, then 'ready' (or
 * 'error'); body[data-renders] counts finished embeds (tests wait on both). window.gcReport.view(el)
 * returns the vega View of a plot container (for the browser console, and tests).
 */
export const PAGE_SCRIPT = `(function () {
  var D = JSON.parse(document.getElementById('gc-plot-data').textContent);
  var T = D.tokens, results = new Map(), pending = 0, renders = 0, failed = false;
  function mark() {
    document.body.dataset.plots = pending ? 'rendering' : failed ? 'error' : 'ready';
    document.body.dataset.renders = String(renders);
  }
  function embed(el, spec) {
    var old = results.get(el);
    if (old) { old.finalize(); results.delete(el); }
    pending++; mark();
    return vegaEmbed(el, spec, { renderer: 'svg', actions: false })
      .then(function (r) { results.set(el, r); })
      .catch(function (e) { failed = true; console.error('gc-report plot: ' + (e && e.message)); })
      .then(function () { pending--; renders++; mark(); });
  }
  function fill(template, axis, logY) {
    var esc = function (s) { return JSON.stringify(s).slice(1, -1); };
    var t = JSON.stringify(template)
      .split('"' + T.xStep + '"').join(axis.integer ? '1' : '0')
      .split(T.xTitle).join(esc(axis.title)).split(T.x).join(axis.key)
      .split(T.yScale).join(logY ? 'log' : 'linear').split(T.lo).join(logY ? 'lo_pos' : 'lo');
    return JSON.parse(t);
  }
  window.gcReport = { view: function (el) { var r = results.get(el); return r ? r.view : null; } };
  D.sweeps.forEach(function (s, i) {
    var root = document.getElementById('plots-' + i);
    var axisSel = root.querySelector('select.x-axis'), logY = root.querySelector('input.log-y'), seeds = root.querySelector('input.seeds');
    function curves() {
      var axis = s.axes.filter(function (a) { return a.key === axisSel.value; })[0];
      if (!axis) return; // no run has a metrics row yet
      s.curves.forEach(function (c, j) {
        var spec = fill(c.template, axis, logY.checked);
        if (!seeds.checked) spec.layer = spec.layer.filter(function (l) { return l.name !== 'seeds'; });
        spec.datasets = JSON.parse(JSON.stringify(s.data));
        embed(root.querySelector('.curve-' + j), spec);
      });
    }
    [axisSel, logY, seeds].forEach(function (e) { e.addEventListener('change', curves); });
    curves();
    s.finals.forEach(function (f, j) { embed(root.querySelector('.final-' + j), f.spec); });
  });
  mark();
})();`;
