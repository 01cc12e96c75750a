import cliProgress from 'cli-progress';
import type { EpochRow, StepProgress } from '../train/trainer.js';
import type { SweepProgress } from '../runner/progress.js';

/** Progress of a pool of workers: one SweepProgress view per worker slot. */
export interface PoolProgress {
  slot(i: number): SweepProgress;
  stop(): void;
}

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined ? '-' : Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}

/** A sweep bar (runs finished) and one epoch bar per worker. */
function bars(slots: number): PoolProgress {
  const multi = new cliProgress.MultiBar(
    { clearOnComplete: false, hideCursor: true, format: '{label} [{bar}] {value}/{total} {info}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let sweep: cliProgress.SingleBar | null = null;
  let done = 0;
  const views = Array.from({ length: slots }, (_, s): SweepProgress => {
    const bar = multi.create(1, 0, { label: `w${s + 1}   `, info: 'starting' });
    let gc: number | null = null;
    let id = '';
    return {
      startRun(index, total, runId, epochs) {
        sweep ??= multi.create(total, 0, { label: 'sweep', info: '' });
        id = runId;
        gc = null;
        bar.setTotal(epochs);
        bar.update(0, { info: `run ${index + 1}: ${id}` });
      },
      step(p: StepProgress) {
        bar.update(p.epoch - 1, { info: `${id} step ${p.batch}/${p.batches} loss ${fmt(p.loss)} GC ${fmt(gc)}` });
      },
      epoch(row: EpochRow) {
        if (row.gc !== null) gc = row.gc;
        bar.update(row.epoch, { info: `${id} test acc ${fmt(row.test_acc, 3)} GC ${fmt(gc)}` });
      },
      endRun(status) {
        done += 1;
        sweep?.update(done, { info: '' });
        bar.update({ info: `${id}: ${status}` });
      },
      stop() {},
    };
  });
  return { slot: (i) => views[i], stop: () => multi.stop() };
}

/** Plain lines on stderr prefixed with the worker: one per epoch, a step line at most every `everyMs`. */
function lines(everyMs = 30_000): PoolProgress {
  const view = (s: number): SweepProgress => {
    let run = '';
    let last = 0;
    const say = (t: string) => process.stderr.write(`[gc-run w${s + 1}] ${t}\n`);
    return {
      startRun(index, total, id, epochs) {
        run = `run ${index + 1}/${total} ${id}`;
        say(`${run}: start (${epochs} epochs)`);
        last = Date.now();
      },
      step(p) {
        if (Date.now() - last < everyMs) return;
        last = Date.now();
        say(`${run}: epoch ${p.epoch} step ${p.batch}/${p.batches} loss ${fmt(p.loss)}`);
      },
      epoch(row) {
        last = Date.now();
        say(`${run}: epoch ${row.epoch} train_loss ${fmt(row.train_loss)} test_acc ${fmt(row.test_acc, 3)} GC ${fmt(row.gc)} (${row.seconds.toFixed(1)} s)`);
      },
      endRun(status) {
        say(`${run}: ${status}`);
      },
      stop() {},
    };
  };
  const views = new Map<number, SweepProgress>();
  return { slot: (i) => views.get(i) ?? views.set(i, view(i)).get(i)!, stop() {} };
}

/** Bars per worker on an interactive terminal, prefixed lines otherwise (pipes, CI=true). */
export function createPoolProgress(mode: 'auto' | 'bars' | 'lines' | 'none', slots: number): PoolProgress {
  if (mode === 'none') {
    const quiet: SweepProgress = { startRun() {}, step() {}, epoch() {}, endRun() {}, stop() {} };
    return { slot: () => quiet, stop() {} };
  }
  const tty = process.stderr.isTTY && !process.env.CI;
  return mode === 'bars' || (mode === 'auto' && tty) ? bars(slots) : lines();
}
