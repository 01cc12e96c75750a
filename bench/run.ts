/**
 * `npm run bench`: measures every backend that loads against the PyTorch reference in one
 * invocation, times a small real sweep at --jobs 1 and 2, checks memory over a 20-epoch run,
 * prints the tables with targets and writes bench/results.md.
 *
 *   node dist/bench/run.js [--quick] [--models mlp,cnn,resblock] [--backends wasm,cpu]
 *                          [--no-torch] [--no-sweep] [--no-memory] [--no-gc-scaling] [--no-lr-sweep]
 *                          [--cap S] [--cpu-cap S] [--out FILE]
 *
 * The GC-scaling row alone: node dist/bench/gc-scaling-worker.js [--backend wasm] [--small 256] [--large 20000]
 *
 * webgpu is measured when Dawn finds a real GPU adapter; `--backends webgpu` also measures a CPU
 * fallback adapter (Mesa's llvmpipe). Exit 0 when everything was measured (MISS verdicts included: this reports, it does not gate),
 * 2 on bad flags. --quick writes no results file unless --out is given.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_ORDER } from '../src/backend/select.js';
import { packageRoot } from '../src/data/paths.js';
import type { CellResult } from './cells.js';
import { EXIT_UNAVAILABLE } from './cells.js';
import { jsonLines, lastLine, runChild } from './child.js';
import { machineInfo } from './machine.js';
import type { ReferenceModel } from './reference-models.js';
import { renderReport, type BenchSettings } from './report.js';
import { timeSweep } from './sweep-timing.js';
import type { GcScalingResult } from './gc-scaling.js';
import { targetBackend, type BackendResult, type Cell, type Measurements, type MemoryResult, type ModelCells, type TorchResult } from './targets.js';
import { mergeTorch, runTorchReference } from './torch-ref.js';
import { measureLrSweep } from './lr-sweep.js';

const MODELS: ReferenceModel[] = ['mlp', 'cnn', 'resblock'];
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length || !items.length) {
    process.stderr.write(`bench: --${flag} ${value}: expected a comma-separated list of ${allowed.join(', ')}\n`);
    process.exit(2);
  }
  return items as T[];
}

function seconds(flag: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) {
    process.stderr.write(`bench: --${flag} ${value}: expected positive seconds\n`);
    process.exit(2);
  }
  return n;
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** One model's cells on one backend: one child per metric, each under the backend's time cap. */
async function measureModel(backend: string, model: ReferenceModel, s: BenchSettings): Promise<ModelCells | { unavailable: string }> {
  const cap = s.capSeconds[backend] ?? s.capSeconds.default;
  const cells: Partial<Record<'train' | 'gc', Cell>> = {};
  for (const metric of ['train', 'gc'] as const) {
    const args = [here('./backend-worker.js'), '--backend', backend, '--model', model, '--metric', metric,
      '--steps', String(s.steps), '--gc-examples', String(s.gcExamples), '--gc-batch', String(s.gcBatch),
      ...(s.webgpuFallback ? ['--allow-fallback'] : [])];
    const r = await runChild(process.execPath, args, { timeoutMs: cap * 1000 });
    const [line] = jsonLines<CellResult>(r.stdout);
    if (r.code === EXIT_UNAVAILABLE && line && 'unavailable' in line) {
      log(`${backend}: not loaded (${line.unavailable})`);
      return { unavailable: line.unavailable };
    }
    let cell: Cell;
    if (r.timedOut) cell = { ok: false, note: `skipped (${backend}: > ${cap} s)` };
    else if (r.code !== 0 || !line || 'unavailable' in line) cell = { ok: false, note: `failed: ${lastLine(r.stderr, `exit ${r.code}`)}` };
    else cell = { ok: true, value: line.metric === 'train' ? line.examplesPerS : line.seconds };
    cells[metric] = cell;
    log(`${backend} ${model} ${metric === 'train' ? 'training ex/s' : 'GC s'}: ${cell.ok ? cell.value.toFixed(3) : cell.note} (${r.seconds.toFixed(0)} s)`);
  }
  return { train: cells.train!, gc: cells.gc! };
}

/**
 * Every backend on every model, model by model, with the PyTorch reference for a model run right
 * after the first loaded backend's cells for it: the machine's speed drifts over minutes (shared
 * host), so the two sides of each ratio are measured back to back rather than minutes apart.
 */
async function measureAll(backends: string[], models: ReferenceModel[], s: BenchSettings, torch: boolean): Promise<{ backends: BackendResult[]; torch: TorchResult }> {
  const results = backends.map((backend): BackendResult => ({ backend, models: {} }));
  const torchParts: TorchResult[] = [];
  for (const model of models) {
    let torchDone = !torch;
    for (const result of results) {
      if (result.unavailable) continue;
      const cells = await measureModel(result.backend, model, s);
      if ('unavailable' in cells) {
        result.unavailable = cells.unavailable;
        result.models = {};
        continue;
      }
      result.models[model] = cells;
      if (!torchDone) {
        log(`PyTorch reference, ${model}...`);
        torchParts.push(await runTorchReference([model], s.steps, 900_000));
        torchDone = true;
      }
    }
  }
  return { backends: results, torch: torch ? mergeTorch(torchParts) : { ok: false, reason: '--no-torch' } };
}

async function measureMemory(backend: string, quick: boolean, timeoutMs: number): Promise<MemoryResult> {
  const args = ['--expose-gc', here('./memory-worker.js'), '--backend', backend, '--epochs', quick ? '3' : '20', '--train-size', quick ? '300' : '2000'];
  const r = await runChild(process.execPath, args, { timeoutMs });
  const [line] = jsonLines<MemoryResult>(r.stdout);
  if (r.timedOut) return { ok: false, reason: `ran past ${timeoutMs / 1000} s` };
  if (r.code !== 0 || !line) return { ok: false, reason: `failed: ${lastLine(r.stderr, `exit ${r.code}`)}` };
  return line;
}

/** Exact GC at 256 and 20 000 examples (2 560 with --quick) in a child process. */
async function measureGcScaling(backend: string, quick: boolean, timeoutMs: number): Promise<GcScalingResult> {
  const args = [here('./gc-scaling-worker.js'), '--backend', backend, '--small', '256', '--large', quick ? '2560' : '20000'];
  const r = await runChild(process.execPath, args, { timeoutMs });
  const [line] = jsonLines<GcScalingResult>(r.stdout);
  if (r.timedOut) return { ok: false, reason: `ran past ${timeoutMs / 1000} s` };
  if (r.code !== 0 || !line) return { ok: false, reason: `failed: ${lastLine(r.stderr, `exit ${r.code}`)}` };
  return line;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      models: { type: 'string' },
      backends: { type: 'string' },
      'no-torch': { type: 'boolean', default: false },
      'no-sweep': { type: 'boolean', default: false },
      'no-memory': { type: 'boolean', default: false },
      'no-gc-scaling': { type: 'boolean', default: false },
      'no-lr-sweep': { type: 'boolean', default: false },
      cap: { type: 'string', default: '300' },
      'cpu-cap': { type: 'string', default: '30' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick!;
  const models = list('models', values.models, MODELS);
  const backends = list('backends', values.backends, BACKEND_ORDER);
  const settings: BenchSettings = {
    quick,
    steps: quick ? 3 : 20,
    gcExamples: 256,
    gcBatch: 32,
    capSeconds: { default: seconds('cap', values.cap!), cpu: seconds('cpu-cap', values['cpu-cap']!) },
    command: ['node dist/bench/run.js', ...process.argv.slice(2)].join(' '),
    // webgpu is measured whenever a real GPU adapter is present; on a CPU fallback adapter
    // (llvmpipe: hours, and no faster than wasm) only when asked for by name.
    webgpuFallback: values.backends !== undefined && backends.includes('webgpu'),
  };
  const t0 = performance.now();
  const start = machineInfo();
  const date = new Date();

  const measured = await measureAll(BACKEND_ORDER.filter((x) => backends.includes(x)), models, settings, !values['no-torch']);
  const m: Measurements = { models, backends: measured.backends, torch: measured.torch, sweep: { ok: false, reason: '--no-sweep' }, memory: { ok: false, reason: '--no-memory' } };
  const primary = targetBackend(m)?.backend;
  if (!values['no-lr-sweep']) {
    log(`one epoch of configs/lr-sweep.yaml and its GC (${primary ?? 'wasm'}), then PyTorch on the same...`);
    m.lrSweep = await measureLrSweep(primary ?? 'wasm', quick ? 2 : 7, !values['no-torch'], 600_000);
    log(m.lrSweep.ok ? `lr-sweep: epoch ${m.lrSweep.oursEpochSeconds.toFixed(3)} s, GC ${m.lrSweep.oursGcSeconds.toFixed(3)} s` : `lr-sweep: ${m.lrSweep.reason}`);
  }
  if (!values['no-sweep']) {
    log(`sweep at --jobs 1 and --jobs 2 (${primary ?? 'auto'})...`);
    m.sweep = await timeSweep(primary ?? 'auto', quick, 600_000);
  }
  if (!values['no-memory']) {
    log(`memory over a ${quick ? 3 : 20}-epoch run (${primary ?? 'wasm'})...`);
    m.memory = await measureMemory(primary ?? 'wasm', quick, 600_000);
  }

  if (!values['no-gc-scaling']) {
    log(`GC at 256 and ${quick ? 2560 : 20000} examples (${primary ?? 'wasm'})...`);
    m.gcScaling = await measureGcScaling(primary ?? 'wasm', quick, 600_000);
  }

  const report = renderReport(m, start, machineInfo(), settings, date, (performance.now() - t0) / 1000);
  process.stdout.write(report);
  const out = values.out ?? (quick ? undefined : join(packageRoot(), 'bench', 'results.md'));
  if (out) {
    writeFileSync(out, report);
    log(`wrote ${out}`);
  }
}

await main();
