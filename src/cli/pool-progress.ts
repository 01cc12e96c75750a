import cliProgress from 'cli-progress';
import type { EpochRow, StepProgress } from '../train/trainer.js';
import type { SweepProgress } from '../runner/progress.js';
import { formatDuration, shortId, SweepClock } from './eta.js';
import { BAR_FORMAT, endsEarly, fmt } from './progress.js';

/** Progress of a pool of workers: one SweepProgress view per worker slot. */
export interface PoolProgress {
  slot(i: number): SweepProgress;
  /** A line for stderr that must not tear the bars (printed above them). */
  note(line: string): void;
  stop(): void;
}

/**
 * A sweep bar (runs finished, those finished before included; elapsed, ETA) and one epoch bar per
 * worker, created when the worker starts its first run (a worker that trains nothing leaves no
 * line) and removed when its run ends: finished runs leave one line above the bars instead.
 */
function bars(clock: SweepClock): PoolProgress {
  const multi = new cliProgress.MultiBar(
    { clearOnComplete: false, hideCursor: true, format: BAR_FORMAT, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let done = clock.finishedBefore;
  const sweep = multi.create(clock.total, done, { label: 'sweep', time: '', info: '' });
  const tick = () => sweep.update(done, { time: clock.sweepText() });
  const view = (s: number): SweepProgress => {
    let bar: cliProgress.SingleBar | null = null;
    let gc: number | null = null;
    let id = '';
    let label = '';
    let lastEpoch = 0;
    return {
      startRun(index, total, runId, epochs, fromEpoch = 0) {
        id = runId;
        label = `run ${index + 1}/${total} ${shortId(runId)}`;
        gc = null;
        lastEpoch = Math.max(0, fromEpoch - 1);
        clock.startRun(id, epochs, fromEpoch);
        if (bar) multi.remove(bar);
        bar = multi.create(epochs, lastEpoch, { label: `w${s + 1}   `, time: clock.runText(id), info: `${shortId(id)}${fromEpoch > 0 ? ` resumed at epoch ${fromEpoch}` : ''}` });
        tick();
      },
      step(p: StepProgress) {
        clock.step(id, p.epoch, p.batch, p.batches);
        bar?.update(p.epoch - 1, { time: clock.runText(id), info: `${shortId(id)} step ${p.batch}/${p.batches} loss ${fmt(p.loss)} GC ${fmt(gc)}` });
        tick();
      },
      epoch(row: EpochRow) {
        if (row.gc !== null) gc = row.gc;
        lastEpoch = row.epoch;
        clock.epoch(id, row.epoch);
        bar?.update(row.epoch, { time: clock.runText(id), info: `${shortId(id)} test acc ${fmt(row.test_acc, 3)} GC ${fmt(gc)}` });
        tick();
      },
      endRun(status) {
        const { elapsed } = clock.run(id);
        clock.endRun(id);
        if (!status.startsWith('interrupted')) done += 1;
        if (bar && endsEarly(status) && lastEpoch < bar.getTotal()) bar.setTotal(lastEpoch);
        multi.log(`w${s + 1} ${label}: ${status} (${formatDuration(elapsed)})\n`);
        if (bar) multi.remove(bar);
        bar = null;
        tick();
      },
      stop() {},
    };
  };
  const views = new Map<number, SweepProgress>();
  return {
    slot: (i) => views.get(i) ?? views.set(i, view(i)).get(i)!,
    note: (line) => {
      multi.log(`${line}\n`);
      // Drawn now: the process may exit right after (a second Ctrl-C).
      multi.update();
    },
    stop: () => {
      tick();
      // stop() draws the bars but not lines still waiting in the log buffer.
      multi.update();
      multi.stop();
    },
  };
}

/** Plain lines on stderr prefixed with the worker: one per epoch, a step line at most every `everyMs`. */
function lines(clock: SweepClock, everyMs = 30_000): PoolProgress {
  const view = (s: number): SweepProgress => {
    let run = '';
    let id = '';
    let last = 0;
    const say = (t: string) => process.stderr.write(`[gc-run w${s + 1}] ${t}\n`);
    return {
      startRun(index, total, runId, epochs, fromEpoch = 0) {
        run = `run ${index + 1}/${total} ${runId}`;
        id = runId;
        clock.startRun(id, epochs, fromEpoch);
        say(`${run}: ${fromEpoch > 0 ? `resume at epoch ${fromEpoch} of ${epochs}` : `start (${epochs} epochs)`}`);
        last = Date.now();
      },
      step(p) {
        clock.step(id, p.epoch, p.batch, p.batches);
        if (Date.now() - last < everyMs) return;
        last = Date.now();
        say(`${run}: epoch ${p.epoch} step ${p.batch}/${p.batches} loss ${fmt(p.loss)} (run ${clock.runText(id)}; sweep ${clock.sweepText()})`);
      },
      epoch(row) {
        clock.epoch(id, row.epoch);
        last = Date.now();
        say(`${run}: epoch ${row.epoch} train_loss ${fmt(row.train_loss)} test_acc ${fmt(row.test_acc, 3)} GC ${fmt(row.gc)} (${row.seconds.toFixed(1)} s; sweep ${clock.sweepText()})`);
      },
      endRun(status) {
        const { elapsed } = clock.run(id);
        clock.endRun(id);
        say(`${run}: ${status} (${formatDuration(elapsed)})`);
      },
      stop() {},
    };
  };
  const views = new Map<number, SweepProgress>();
  return { slot: (i) => views.get(i) ?? views.set(i, view(i)).get(i)!, note: (line) => process.stderr.write(`${line}\n`), stop() {} };
}

/** Bars per worker on an interactive terminal, prefixed lines otherwise (pipes, CI=true). */
export function createPoolProgress(mode: 'auto' | 'bars' | 'lines' | 'none', clock: SweepClock = new SweepClock([])): PoolProgress {
  if (mode === 'none') {
    const quiet: SweepProgress = { startRun() {}, step() {}, epoch() {}, endRun() {}, stop() {} };
    return { slot: () => quiet, note: (line) => process.stderr.write(`${line}\n`), stop() {} };
  }
  const tty = process.stderr.isTTY && !process.env.CI;
  return mode === 'bars' || (mode === 'auto' && tty) ? bars(clock) : lines(clock);
}
