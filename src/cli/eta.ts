import type { PlanEntry } from '../runner/plan-status.js';

/** Seconds as 42s, 3m05s or 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

interface RunClock {
  epochs: number;
  /** Epoch position (epochs finished + fraction of the current one) when training started now, and now. */
  startPos: number;
  pos: number;
  startedAt: number;
  ended: boolean;
}

/**
 * Elapsed time and ETAs of a sweep, from the epochs trained so far in this invocation: the sweep's
 * rate is the epochs (and fractions, from step events) trained per wall-clock second by all
 * workers together, applied to the epochs the unfinished runs have left. Epoch 0 (evaluation of
 * the initialisation) counts as no work. A run that stops early leaves nothing.
 */
export class SweepClock {
  private readonly runs = new Map<string, RunClock>();
  private readonly left = new Map<string, number>();
  private t0: number | null = null;
  /** Runs finished before this invocation started (complete, or diverged: reported again, never retrained). */
  readonly finishedBefore: number;
  readonly total: number;

  constructor(plan: Pick<PlanEntry, 'id' | 'status' | 'epoch' | 'epochs'>[], private readonly now: () => number = () => performance.now() / 1000) {
    this.total = plan.length;
    this.finishedBefore = plan.filter((e) => e.status === 'done' || e.status === 'diverged').length;
    for (const e of plan) {
      if (e.status === 'done' || e.status === 'diverged' || e.status === 'running') continue;
      this.left.set(e.id, e.epochs - (e.status === 'partial' ? (e.epoch ?? 0) : 0));
    }
  }

  startRun(id: string, epochs: number, fromEpoch: number): void {
    const t = this.now();
    this.t0 ??= t;
    const pos = Math.max(0, fromEpoch - 1);
    this.runs.set(id, { epochs, startPos: pos, pos, startedAt: t, ended: false });
    this.left.set(id, epochs - pos);
  }

  /** Progress inside an epoch (`epoch` 1-based, `batch` of `batches` done). */
  step(id: string, epoch: number, batch: number, batches: number): void {
    this.moveTo(id, epoch - 1 + batch / batches);
  }

  /** Epoch `epoch` finished. */
  epoch(id: string, epoch: number): void {
    this.moveTo(id, epoch);
  }

  endRun(id: string): void {
    const r = this.runs.get(id);
    if (r) r.ended = true;
    this.left.set(id, 0);
  }

  private moveTo(id: string, pos: number): void {
    const r = this.runs.get(id);
    if (!r) return;
    r.pos = Math.max(r.pos, pos);
    this.left.set(id, Math.max(0, r.epochs - r.pos));
  }

  /** Seconds since the first run started training now. */
  elapsed(): number {
    return this.t0 === null ? 0 : this.now() - this.t0;
  }

  /** Seconds until every run is done at the rate so far, or null before any training. */
  sweepEta(): number | null {
    let done = 0;
    for (const r of this.runs.values()) done += r.pos - r.startPos;
    const t = this.elapsed();
    if (done <= 0 || t <= 0) return null;
    let left = 0;
    for (const v of this.left.values()) left += v;
    return (left * t) / done;
  }

  /** Seconds this run has trained now, and until its last epoch at its rate so far (null before any progress). */
  run(id: string): { elapsed: number; eta: number | null } {
    const r = this.runs.get(id);
    if (!r) return { elapsed: 0, eta: null };
    const elapsed = this.now() - r.startedAt;
    const done = r.pos - r.startPos;
    return { elapsed, eta: r.ended ? 0 : done > 0 ? ((r.epochs - r.pos) * elapsed) / done : null };
  }

  /** "2m10s, ETA 5m03s" for the sweep. */
  sweepText(): string {
    const eta = this.sweepEta();
    return `${formatDuration(this.elapsed())}${eta === null ? '' : `, ETA ${formatDuration(eta)}`}`;
  }

  /** "42s, ETA 1m30s" for one run. */
  runText(id: string): string {
    const { elapsed, eta } = this.run(id);
    return `${formatDuration(elapsed)}${eta === null || eta === 0 ? '' : `, ETA ${formatDuration(eta)}`}`;
  }
}

/** Run id without its config hash (lr=0.01-s1-3fa9c1d2 → lr=0.01-s1), for banners. */
export function shortId(id: string): string {
  return id.replace(/-[0-9a-f]{8}$/, '');
}

/**
 * The resume banner, or null for a fresh sweep: "4 of 12 complete; resuming lr=0.01-s1 at
 * epoch 11 (+2 more partial); 1 failed before (retried)".
 */
export function resumeBanner(plan: Pick<PlanEntry, 'id' | 'status' | 'epoch'>[]): string | null {
  const done = plan.filter((e) => e.status === 'done').length;
  const partial = plan.filter((e) => e.status === 'partial');
  const failed = plan.filter((e) => e.status === 'failed').length;
  const diverged = plan.filter((e) => e.status === 'diverged').length;
  if (!done && !partial.length && !failed && !diverged) return null;
  const parts = [`${done} of ${plan.length} complete`];
  if (partial.length) {
    parts.push(`resuming ${shortId(partial[0].id)} at epoch ${(partial[0].epoch ?? 0) + 1}${partial.length > 1 ? ` (+${partial.length - 1} more partial)` : ''}`);
  }
  if (failed) parts.push(`${failed} failed before (retried from their last checkpoint)`);
  if (diverged) parts.push(`${diverged} diverged before (reported, not retrained)`);
  return parts.join('; ');
}
