#!/usr/bin/env node
// Prints the study's table (docs/STUDY.md): every cell's Spearman ρ, per-seed spread and how
// many runs reached the comparison point, for gc and gc_margin, plus the default-selection rule's
// verdict. Usage (after npm run build):
//   node configs/study/table.mjs [results/study] [--followup results/study-followup]
// With --followup, the cells of configs/study/followup/ (docs/STUDY.md, "Follow-up") are read
// from that folder and replace the first study's cells of the same name, marked "follow-up".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { loadSweeps } = await import(join(here, '../../dist/src/report/build.js'));
const { spearman } = await import(join(here, '../../dist/src/report/stats.js'));
const args = process.argv.slice(2);
const fi = args.indexOf('--followup');
const followRoot = fi >= 0 ? args.splice(fi, 2)[1] ?? null : null;
if (fi >= 0 && !followRoot) {
  console.error('table.mjs: --followup: expected a results folder, e.g. --followup results/study-followup');
  process.exit(2);
}
const root = args[0] ?? 'results/study';
const followCells = new Set(followRoot ? readdirSync(join(here, 'followup')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')) : []);

const cells = readdirSync(here).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
const EXPECTED = { lr: -1, bs: 1 }; // paper: GC falls with the learning rate, rises with the batch size
const KEY = { lr: 'optimizer.lr', bs: 'train.batch_size' };
const fmt = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

const rows = [];
for (const cell of cells) {
  const [model, sweep, loss, point] = cell.split('-');
  const followup = followCells.has(cell);
  const dir = join(followup ? followRoot : root, `study-${cell}`);
  for (const metric of ['gc', 'gc_margin']) {
    const row = { cell: followup ? `${cell} (follow-up)` : cell, model, sweep, loss, point, metric, rho: null, seeds: [], reached: 0, total: 0, planned: sweep === 'lr' ? 12 : 9, minAcc: null, status: {} };
    rows.push(row);
    if (!existsSync(dir)) continue;
    const at = point === 'acc' ? { column: 'train_acc', value: 0.9 } : null;
    const [s] = loadSweeps([dir], { metric, at });
    if (!s) continue;
    const pts = [];
    for (const r of s.runs) {
      row.total++;
      row.status[r.status] = (row.status[r.status] ?? 0) + 1;
      if (r.state !== 'done') continue;
      const rec = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8'));
      // Flow-time cells: a run counts only if it reached the flow time (not the epochs cap).
      if (point === 'flow' && !rec.flow_time_reached) continue;
      if (r.finalValue === null || !Number.isFinite(r.finalValue)) continue;
      const sel = r.metrics.find((m) => m.epoch === r.finalEpoch);
      row.minAcc = Math.min(row.minAcc ?? Infinity, sel?.train_acc ?? NaN);
      row.reached++;
      pts.push({ x: r.knob[KEY[sweep]], y: r.finalValue, seed: r.seed });
    }
    if (pts.length >= 2) row.rho = spearman(pts.map((p) => p.x), pts.map((p) => p.y));
    for (const seed of [...new Set(pts.map((p) => p.seed))].sort()) {
      const mine = pts.filter((p) => p.seed === seed);
      if (mine.length >= 2) row.seeds.push(spearman(mine.map((p) => p.x), mine.map((p) => p.y)));
    }
  }
}

const paper = (r) => (r.rho === null ? '–' : Math.sign(r.rho) === EXPECTED[r.sweep] ? 'yes' : 'NO');
console.log('| cell | knob | loss | point | model | measure | Spearman ρ (runs) | per-seed ρ min…max | paper sign | runs at point / planned | min train acc at point | run statuses |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const spread = r.seeds.length ? `${fmt(Math.min(...r.seeds))}…${fmt(Math.max(...r.seeds))}` : '–';
  const statuses = Object.entries(r.status).map(([k, v]) => `${v} ${k}`).join(', ') || 'not run';
  console.log(`| ${r.cell} | ${r.sweep === 'lr' ? 'lr' : 'batch'} | ${r.loss} | ${r.point === 'acc' ? 'acc 0.9' : 'flow time'} | ${r.model} | ${r.metric} | ${fmt(r.rho)} (${r.reached}) | ${spread} | ${paper(r)} | ${r.reached} / ${r.planned} | ${fmt(r.minAcc, 3)} | ${statuses} |`);
}

// The default-selection rule (docs/STUDY.md, README), fixed before the study ran: per sweep
// (lr, batch), the first protocol in this order whose acc-0.9 cell has the paper's sign with
// |ρ| ≥ 0.8 on the MLP and the paper's sign on the CNN.
console.log('');
for (const sweep of ['lr', 'bs']) {
  let chosen = null;
  for (const [loss, metric] of [['ce', 'gc'], ['ce', 'gc_margin'], ['mse', 'gc'], ['mse', 'gc_margin']]) {
    const get = (model) => rows.find((r) => r.model === model && r.sweep === sweep && r.loss === loss && r.point === 'acc' && r.metric === metric);
    const mlp = get('mlp');
    const cnn = get('cnn');
    const ok = mlp.rho !== null && cnn.rho !== null && Math.sign(mlp.rho) === EXPECTED[sweep] && Math.abs(mlp.rho) >= 0.8 && Math.sign(cnn.rho) === EXPECTED[sweep];
    console.log(`rule, ${sweep === 'lr' ? 'learning rate' : 'batch size'}: (${loss}, ${metric}): MLP ρ ${fmt(mlp.rho)}, CNN ρ ${fmt(cnn.rho)} → ${ok ? 'qualifies' : 'does not qualify'}`);
    if (ok && !chosen) chosen = `(${loss}, ${metric})`;
  }
  console.log(`rule, ${sweep === 'lr' ? 'learning rate' : 'batch size'}: chosen ${chosen ?? 'none: the default config stays as it is'}`);
}
