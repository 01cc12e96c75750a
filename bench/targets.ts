/**
 * Pure logic of `npm run bench`: ratios against the PyTorch reference, the targets with their
 * PASS/MISS verdicts, and the tables (markdown, printed and written to bench/results.md).
 */
import type { ReferenceModel } from './reference-models.js';
import { blasKind, optimisedBlas } from './blas.js';
import { describeGcScaling, GC_SCALING_TARGET, gcScalingFactor, type GcScalingResult } from './gc-scaling.js';

/** One measured quantity: a value, or why there is none ("skipped (cpu: > 30 s)", an error). */
export type Cell = { ok: true; value: number } | { ok: false; note: string };

/** Training examples/s and exact-GC seconds of one model on one backend. */
export interface ModelCells {
  train: Cell;
  gc: Cell;
}

/** One backend's results; `unavailable` says why it did not load (then `models` is empty). */
export interface BackendResult {
  backend: string;
  unavailable?: string;
  models: Partial<Record<ReferenceModel, ModelCells>>;
}

/** torch_bench.py's figures per model (with the BLAS it loaded, its `blas` field), or why there are none. */
export type TorchResult =
  | { ok: true; version: string; blas: string; threads: number; models: Partial<Record<ReferenceModel, { trainExPerS: number; gcSeconds: number }>> }
  | { ok: false; reason: string };

/** One epoch of configs/lr-sweep.yaml and its exact GC: gc-run's Trainer and bench/lr_sweep_torch.py. */
export type LrSweepResult =
  | {
      ok: true;
      /** What was run: "MLP 256-256, lr 0.01, batch 32, 2000 train + 2000 test, GC of 256 in batches of 32". */
      work: string;
      oursEpochSeconds: number;
      oursGcSeconds: number;
      torch: { ok: true; epochSeconds: number; gcSeconds: number; blas: string } | { ok: false; reason: string };
    }
  | { ok: false; reason: string };

/** Wall seconds of the same small sweep at --jobs 1 and --jobs 2. */
export type SweepResult =
  | {
      ok: true;
      runs: number;
      /** Mean wall seconds per setting (over jobs1Each / jobs2Each when given). */
      jobs1Seconds: number;
      jobs2Seconds: number;
      /** Each timed invocation per setting, in the order taken. */
      jobs1Each?: number[];
      jobs2Each?: number[];
      /** Highest 1-min load average right after a --jobs 2 invocation. */
      load1?: number;
    }
  | { ok: false; reason: string };

/** numTensors and RSS (bytes) after the first and the last epoch of one in-process run. */
export type MemoryResult =
  | { ok: true; epochs: number; backend: string; tensorsFirst: number; tensorsLast: number; rssFirst: number; rssLast: number }
  | { ok: false; reason: string };

/** Everything one bench invocation measured. */
export interface Measurements {
  models: ReferenceModel[];
  /** In BACKEND_ORDER (fastest first); the first that loaded is the one `auto` selects. */
  backends: BackendResult[];
  torch: TorchResult;
  sweep: SweepResult;
  memory: MemoryResult;
  /** Exact GC at two example counts (absent: not measured by this caller). */
  gcScaling?: GcScalingResult;
  /** The lr-sweep row (absent: not measured by this caller). */
  lrSweep?: LrSweepResult;
}

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

/**
 * Training targets against PyTorch on an optimised BLAS, one thread: ours ex/s ÷ torch ex/s must
 * reach this (higher is better). MLP 0.5: native AVX2 FMA has twice wasm SIMD's width.
 */
export const TRAIN_TARGET: Record<ReferenceModel, number> = { mlp: 0.5, cnn: 1.5, resblock: 1.5 };
/** One epoch of configs/lr-sweep.yaml: torch seconds ÷ ours must reach this (higher is better). */
export const LR_SWEEP_EPOCH_TARGET = 1;
/** Exact-GC target: ours s ÷ torch s must not exceed this (lower is better). */
export const GC_TARGET = 1;
/** --jobs 2 must be at least this much faster than --jobs 1. */
export const JOBS_SPEEDUP_TARGET = 1.7;
/** RSS may grow by less than this percentage from the first to the last epoch. */
export const RSS_GROWTH_TARGET_PCT = 10;

/** "71.5 s", or "71.5 s (70.1, 72.9)" when that is the mean of several invocations. */
function fmtSweepSide(mean: number, each: number[] | undefined): string {
  return `${mean.toFixed(1)} s` + (each && each.length > 1 ? ` (${each.map((v) => v.toFixed(1)).join(', ')})` : '');
}

/** ours/torch for training (ex/s ÷ ex/s) or GC (s ÷ s); null when either side is missing. */
export function ratio(ours: Cell | undefined, torch: number | undefined): number | null {
  if (!ours?.ok || torch === undefined || !(torch > 0)) return null;
  return ours.value / torch;
}

/** The backend targets are judged on: the first that loaded (what `--backend auto` picks). */
export function targetBackend(m: Measurements): BackendResult | undefined {
  return m.backends.find((b) => !b.unavailable);
}

/** Percentage RSS growth from the first to the last epoch. */
export function rssGrowthPct(mem: Extract<MemoryResult, { ok: true }>): number {
  return ((mem.rssLast - mem.rssFirst) / mem.rssFirst) * 100;
}

function fmtNum(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function fmtCell(c: Cell | undefined): string {
  return !c ? '-' : c.ok ? fmtNum(c.value) : c.note;
}

function fmtRatio(r: number | null): string {
  return r === null ? '-' : `${r.toFixed(2)}x`;
}

function torchModels(m: Measurements) {
  return m.torch.ok ? m.torch.models : {};
}

/** Whether torch's figures may be called a PyTorch ratio: run, and on an optimised BLAS. */
export function torchComparable(m: Measurements): boolean {
  return m.torch.ok && optimisedBlas(blasKind(m.torch.blas));
}

/** The speed table: one row per loaded backend and model, with torch figures and ratios. */
export function speedRows(m: Measurements): string[][] {
  const t = torchModels(m);
  const cmp = torchComparable(m);
  const noRatio = m.torch.ok ? 'no ratio (reference BLAS)' : '-';
  const rows: string[][] = [];
  for (const b of m.backends) {
    if (b.unavailable) continue;
    for (const model of m.models) {
      const c = b.models[model];
      const ref = t[model];
      rows.push([
        b.backend,
        model,
        fmtCell(c?.train),
        ref ? fmtNum(ref.trainExPerS) : '-',
        cmp ? fmtRatio(ratio(c?.train, ref?.trainExPerS)) : noRatio,
        fmtCell(c?.gc),
        ref ? fmtNum(ref.gcSeconds) : '-',
        cmp ? fmtRatio(ratio(c?.gc, ref?.gcSeconds)) : noRatio,
      ]);
    }
  }
  return rows;
}

export const SPEED_HEADER = ['backend', 'model', 'train ex/s', 'torch ex/s', 'ratio (>1 better)', 'GC s', 'torch GC s', 'ratio (<1 better)'];

function verdict(ok: boolean): Verdict {
  return ok ? 'PASS' : 'MISS';
}

/** Every target with what was measured and PASS / MISS (n/a when it could not be measured). */
export function targetRows(m: Measurements): TargetRow[] {
  const rows: TargetRow[] = [];
  const b = targetBackend(m);
  const t = torchModels(m);
  const name = b?.backend ?? 'no backend';
  const cmp = torchComparable(m);
  const why = (c: Cell | undefined, ref: unknown): string =>
    !m.torch.ok ? `torch not run: ${m.torch.reason}` : !cmp ? `torch ran on ${blasKind(m.torch.blas) === 'reference' ? 'the reference' : 'an unidentified'} BLAS: no ratio` : !ref ? 'no torch figure' : c && !c.ok ? c.note : 'not measured';
  for (const model of m.models) {
    const c = b?.models[model]?.train;
    const r = cmp ? ratio(c, t[model]?.trainExPerS) : null;
    rows.push({
      target: `${model} training >= ${TRAIN_TARGET[model]}x torch (${name})`,
      measured: r === null ? why(c, t[model]) : fmtRatio(r),
      verdict: r === null ? 'n/a' : verdict(r >= TRAIN_TARGET[model]),
    });
  }
  for (const model of m.models) {
    const c = b?.models[model]?.gc;
    const r = cmp ? ratio(c, t[model]?.gcSeconds) : null;
    rows.push({
      target: `${model} exact GC time <= ${GC_TARGET}x torch (${name})`,
      measured: r === null ? why(c, t[model]) : fmtRatio(r),
      verdict: r === null ? 'n/a' : verdict(r <= GC_TARGET),
    });
  }
  if (m.lrSweep) rows.push(...lrSweepTargets(m.lrSweep, name));
  const s = m.sweep;
  const speedup = s.ok ? s.jobs1Seconds / s.jobs2Seconds : null;
  rows.push({
    target: `sweep --jobs 2 >= ${JOBS_SPEEDUP_TARGET}x faster than --jobs 1`,
    measured: s.ok
      ? `${fmtSweepSide(s.jobs1Seconds, s.jobs1Each)} / ${fmtSweepSide(s.jobs2Seconds, s.jobs2Each)} = ${speedup!.toFixed(2)}x (${s.runs} runs${s.load1 === undefined ? '' : `; load ${s.load1.toFixed(1)} after`})`
      : s.reason,
    verdict: speedup === null ? 'n/a' : verdict(speedup >= JOBS_SPEEDUP_TARGET),
  });
  const mem = m.memory;
  rows.push({
    target: `tensor count flat over ${mem.ok ? mem.epochs : 'N'} epochs`,
    measured: mem.ok ? `${mem.tensorsFirst} after epoch 1, ${mem.tensorsLast} after epoch ${mem.epochs}` : mem.reason,
    verdict: mem.ok ? verdict(mem.tensorsLast === mem.tensorsFirst) : 'n/a',
  });
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  rows.push({
    target: `RSS growth < ${RSS_GROWTH_TARGET_PCT}%`,
    measured: mem.ok ? `${mb(mem.rssFirst)} -> ${mb(mem.rssLast)} (${rssGrowthPct(mem) >= 0 ? '+' : ''}${rssGrowthPct(mem).toFixed(1)}%)` : mem.reason,
    verdict: mem.ok ? verdict(rssGrowthPct(mem) < RSS_GROWTH_TARGET_PCT) : 'n/a',
  });
  if (m.gcScaling) {
    const g = m.gcScaling;
    rows.push({
      target: `GC time per example at ${g.ok ? g.large : 'M'} examples <= ${GC_SCALING_TARGET}x the one at ${g.ok ? g.small : 'N'}`,
      measured: g.ok ? `${describeGcScaling(g)}: ${gcScalingFactor(g).toFixed(2)}x per example` : g.reason,
      verdict: g.ok ? verdict(gcScalingFactor(g) <= GC_SCALING_TARGET) : 'n/a',
    });
  }
  return rows;
}

/** The lr-sweep targets: the epoch (torch s ÷ ours s >= LR_SWEEP_EPOCH_TARGET) and its GC (ours ÷ torch <= GC_TARGET). */
export function lrSweepTargets(l: LrSweepResult, backend: string): TargetRow[] {
  const epoch = `lr-sweep epoch speed >= ${LR_SWEEP_EPOCH_TARGET}x torch (${backend})`;
  const gc = `lr-sweep exact GC (256) time <= ${GC_TARGET}x torch (${backend})`;
  if (!l.ok) return [epoch, gc].map((target) => ({ target, measured: l.reason, verdict: 'n/a' as const }));
  if (!l.torch.ok) return [epoch, gc].map((target) => ({ target, measured: `torch not run: ${l.torch.ok ? '' : l.torch.reason}`, verdict: 'n/a' as const }));
  if (!optimisedBlas(blasKind(l.torch.blas))) return [epoch, gc].map((target) => ({ target, measured: 'torch ran on the reference BLAS: no ratio', verdict: 'n/a' as const }));
  const e = l.torch.epochSeconds / l.oursEpochSeconds;
  const g = l.oursGcSeconds / l.torch.gcSeconds;
  return [
    { target: epoch, measured: `${fmtNum(l.torch.epochSeconds)} s / ${fmtNum(l.oursEpochSeconds)} s = ${fmtRatio(e)}`, verdict: verdict(e >= LR_SWEEP_EPOCH_TARGET) },
    { target: gc, measured: `${fmtNum(l.oursGcSeconds)} s / ${fmtNum(l.torch.gcSeconds)} s = ${fmtRatio(g)}`, verdict: verdict(g <= GC_TARGET) },
  ];
}

/** A markdown pipe table, columns padded so it also reads well in a terminal. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const cells = [header, ...rows].map((r) => r.map(esc));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}
