import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resvg } from '@resvg/resvg-js';
import { loadSweeps } from '../../src/report/build.js';
import { curveSpec, finalVsKnobSpec, finalVsAccSpec, plotSpecs, spansDecades } from '../../src/report/plots.js';
import { renderSpec, fontWarning, PNG_SCALE } from '../../src/report/render.js';
import { writeDemoResults, writeRun, curve } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('gc-report-plots-').dir;
writeDemoResults(root);
const sweeps = loadSweeps([root]);
const [bs, lr] = sweeps;

/** Number of vega mark groups of a given kind for a layer path (vega-lite names marks by layer). */
const count = (svg: string, mark: string, name: string) =>
  svg.split(`class="mark-${mark} role-mark ${name}"`).length - 1;

function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('GC-vs-epoch: one mean line per knob value, a band only with ≥ 2 seeds, one dashed line per unfinished run', async () => {
  const one = await renderSpec(curveSpec([lr], 'gc'));
  assert.deepEqual(one.warnings, []);
  assert.equal(count(one.svg, 'line', 'concat_0_layer_1_layer_0_marks'), 3, 'mean lines: lr 0.01, 0.1, 1');
  assert.equal(count(one.svg, 'area', 'concat_0_layer_0_marks'), 3, 'std bands for each lr');
  assert.equal(count(one.svg, 'line', 'concat_0_layer_2_marks'), 1, 'the diverged run');
  const single = await renderSpec(curveSpec([bs], 'gc'));
  assert.equal(count(single.svg, 'line', 'concat_0_layer_1_layer_0_marks'), 2, 'batch 32 and 128 are done');
  assert.equal(count(single.svg, 'area', 'concat_0_layer_0_marks'), 0, 'single seed: no fake band');
  assert.equal(count(single.svg, 'line', 'concat_0_layer_2_marks'), 1, 'the running run');
  assert.match(single.svg, />incomplete run</);
});

test('one panel per sweep with its own legend title; log axis when values span decades', async () => {
  const both = await renderSpec(curveSpec(sweeps, 'test_acc'));
  assert.equal(count(both.svg, 'line', 'concat_0_layer_1_layer_0_marks'), 2);
  assert.equal(count(both.svg, 'line', 'concat_1_layer_1_layer_0_marks'), 3);
  assert.match(both.svg, />train\.batch_size</);
  assert.match(both.svg, />optimizer\.lr</);
  assert.equal(spansDecades([0.01, 0.1, 1]), true);
  assert.equal(spansDecades([32, 128, 256]), false);
  assert.equal(spansDecades([0, 1, 100]), false, 'log needs positive values');
  const knob = finalVsKnobSpec([lr]) as any;
  assert.equal(knob.concat[0].layer[1].encoding.x.scale.type, 'log');
  assert.deepEqual(knob.concat[0].layer[1].encoding.x.axis.values, [0.01, 0.1, 1], 'ticks at the knob values');
  assert.equal((finalVsKnobSpec([bs]) as any).concat[0].layer[1].encoding.x.scale.type, undefined);
});

test('final-GC plots: seeds as points (finished or not), status as shape', async () => {
  const k = await renderSpec(finalVsKnobSpec([lr]));
  // One symbol group per layer; count the points inside the points layer.
  const pts = k.svg.split('class="mark-symbol role-mark concat_0_layer_1_marks"')[1].split('</g>')[0];
  assert.equal((pts.match(/<path /g) ?? []).length, 9, '8 done + 1 diverged');
  const acc = finalVsAccSpec(sweeps) as any;
  assert.equal(acc.concat[0].data.values.length, 3);
  assert.equal(acc.concat[1].data.values.length, 9);
});

test('PNG: valid signature, size = SVG size × scale, text rendered with a system font', async () => {
  assert.equal(fontWarning(), null, 'resvg needs a font: apt-get install -y fonts-dejavu-core');
  for (const p of plotSpecs(sweeps)) {
    const r = await renderSpec(p.spec);
    assert.deepEqual(r.warnings, [], p.name);
    assert.ok(r.width > 300 && r.height > 200, `${p.name} ${r.width}x${r.height}`);
    assert.deepEqual(pngSize(r.png), { width: Math.round(r.width * PNG_SCALE), height: Math.round(r.height * PNG_SCALE) });
    // The title alone rendered through resvg must put dark pixels down (fonts present).
    const px = new Resvg(r.svg, { fitTo: { mode: 'zoom', value: 1 } }).render().pixels;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] < 60 && px[i + 1] < 60 && px[i + 2] < 60) dark++;
    assert.ok(dark > 500, `${p.name}: ${dark} dark pixels (axis text)`);
  }
});

test('static curves: the mean stops where a seed stops; the rest is a dashed tail labelled with the seeds left', async () => {
  const dir = tempDir('gc-report-plots-tail-').dir;
  [5, 3, 1].forEach((last, seed) =>
    writeRun(dir, { experiment: 'stagger', seed, swept: { 'optimizer.lr': 0.1 }, status: 'complete', rows: curve(20, 10 + seed, 0.7, last) }),
  );
  const spec = curveSpec(loadSweeps([dir]), 'gc') as any;
  const [, means, , tails, labels] = spec.concat[0].layer;
  // gc at epochs 0, 2, 4; the seeds stop after epochs 5, 3 and 1: all three only at epoch 0.
  assert.deepEqual(means.data.values.map((v: any) => v.epoch), [0]);
  assert.deepEqual(tails.data.values.map((v: any) => [v.epoch, v.value]), [[0, 20], [2, 15.25], [4, 10]]);
  assert.deepEqual(labels.data.values.map((v: any) => v.label), ['n=1/3'], 'the end of the tail');
  const r = await renderSpec(spec);
  assert.deepEqual(r.warnings, []);
  assert.match(r.svg, />n=1\/3</);
  assert.match(r.svg, />mean, fewer seeds \(tail\)</);
});
