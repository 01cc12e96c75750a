import cliProgress from 'cli-progress';
import type { SweepProgress } from '../runner/progress.js';
import type { EpochRow, StepProgress } from '../train/trainer.js';
import { formatDuration, shortId, SweepClock } from './eta.js';

export function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined ? '-' : Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}

/** Whether a run's end puts its bar at its real last epoch (it stopped there on purpose or diverged). */
export function endsEarly(status: string): boolean {
  return status.startsWith('complete') || status.startsWith('diverged');
}

export const BAR_FORMAT = '{label} [{bar}] {value}/{total} {time} {info}';

/**
 * Two cli-progress bars on a TTY: the sweep (runs finished/total, those finished before included)
 * and the current run (epochs), each with elapsed time and ETA. A finished run leaves one line
 * above the bars saying how it ended.
 */
/** The CLI's progress views also take notes: lines printed without tearing the bars. */
export type CliProgress = SweepProgress & { note(line: string): void };

class BarProgress implements CliProgress {
  private readonly multi = new cliProgress.MultiBar(
    { clearOnComplete: false, hideCursor: true, format: BAR_FORMAT, stream: process.stderr, etaBuffer: 1 },
    cliProgress.Presets.shades_classic,
  );
  private readonly sweepBar: cliProgress.SingleBar;
  private runBar: cliProgress.SingleBar | null = null;
  private lastGc: number | null = null;
  private lastEpoch = 0;
  private done: number;
  private id = '';
  private label = '';

  constructor(private readonly clock: SweepClock) {
    this.done = clock.finishedBefore;
    this.sweepBar = this.multi.create(clock.total, this.done, { label: 'sweep', time: '', info: '' });
  }

  private tick(info?: string): void {
    this.sweepBar.update(this.done, { time: this.clock.sweepText(), ...(info === undefined ? {} : { info }) });
  }

  startRun(index: number, total: number, id: string, epochs: number, fromEpoch = 0): void {
    this.id = id;
    this.label = `run ${index + 1}/${total} ${shortId(id)}`;
    this.clock.startRun(id, epochs, fromEpoch);
    this.tick(this.label + (fromEpoch > 0 ? ` (resumed at epoch ${fromEpoch})` : ''));
    if (this.runBar) this.multi.remove(this.runBar);
    this.lastGc = null;
    this.lastEpoch = Math.max(0, fromEpoch - 1);
    this.runBar = this.multi.create(epochs, this.lastEpoch, { label: 'epoch', time: this.clock.runText(id), info: '' });
  }

  step(p: StepProgress): void {
    this.clock.step(this.id, p.epoch, p.batch, p.batches);
    this.runBar?.update(p.epoch - 1, { time: this.clock.runText(this.id), info: `step ${p.batch}/${p.batches} loss ${fmt(p.loss)} GC ${fmt(this.lastGc)}` });
    this.tick();
  }

  epoch(row: EpochRow): void {
    if (row.gc !== null) this.lastGc = row.gc;
    this.lastEpoch = row.epoch;
    this.clock.epoch(this.id, row.epoch);
    this.runBar?.update(row.epoch, { time: this.clock.runText(this.id), info: `test acc ${fmt(row.test_acc, 3)} GC ${fmt(this.lastGc)}` });
    this.tick();
  }

  endRun(status: string): void {
    const { elapsed } = this.clock.run(this.id);
    this.clock.endRun(this.id);
    if (!status.startsWith('interrupted')) this.done += 1;
    if (this.runBar && endsEarly(status) && this.lastEpoch < this.runBar.getTotal()) this.runBar.setTotal(this.lastEpoch);
    this.runBar?.update(this.lastEpoch, { time: formatDuration(elapsed), info: status });
    this.multi.log(`${this.label}: ${status} (${formatDuration(elapsed)})\n`);
    this.tick(status);
  }

  note(line: string): void {
    this.multi.log(`${line}\n`);
    // Drawn now: the process may exit right after (a second Ctrl-C).
    this.multi.update();
  }

  stop(): void {
    this.tick();
    // stop() draws the bars but not lines still waiting in the log buffer.
    this.multi.update();
    this.multi.stop();
  }
}

/** Plain lines on stderr for logs and CI: one per epoch, plus a step line at most every `everyMs`. */
class LineProgress implements CliProgress {
  private run = '';
  private id = '';
  private lastLine = 0;
  constructor(private readonly clock: SweepClock, private readonly everyMs = 30_000) {}

  private say(s: string): void {
    process.stderr.write(`[gc-run] ${s}\n`);
  }

  startRun(index: number, total: number, id: string, epochs: number, fromEpoch = 0): void {
    this.run = `run ${index + 1}/${total} ${id}`;
    this.id = id;
    this.clock.startRun(id, epochs, fromEpoch);
    this.say(`${this.run}: ${fromEpoch > 0 ? `resume at epoch ${fromEpoch} of ${epochs}` : `start (${epochs} epochs)`}`);
    this.lastLine = Date.now();
  }

  step(p: StepProgress): void {
    this.clock.step(this.id, p.epoch, p.batch, p.batches);
    if (Date.now() - this.lastLine < this.everyMs) return;
    this.lastLine = Date.now();
    this.say(`${this.run}: epoch ${p.epoch} step ${p.batch}/${p.batches} loss ${fmt(p.loss)} (run ${this.clock.runText(this.id)}; sweep ${this.clock.sweepText()})`);
  }

  epoch(row: EpochRow): void {
    this.clock.epoch(this.id, row.epoch);
    this.lastLine = Date.now();
    this.say(
      `${this.run}: epoch ${row.epoch} train_loss ${fmt(row.train_loss)} test_acc ${fmt(row.test_acc, 3)} GC ${fmt(row.gc)} (${row.seconds.toFixed(1)} s; sweep ${this.clock.sweepText()})`,
    );
  }

  endRun(status: string): void {
    const { elapsed } = this.clock.run(this.id);
    this.clock.endRun(this.id);
    this.say(`${this.run}: ${status} (${formatDuration(elapsed)})`);
  }

  note(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  stop(): void {}
}

/** Bars on an interactive terminal, plain lines otherwise (pipes, CI=true). `clock` holds the sweep's plan (ETA, runs complete before). */
export function createProgress(mode: 'auto' | 'bars' | 'lines' | 'none' = 'auto', clock: SweepClock = new SweepClock([])): CliProgress {
  const tty = process.stderr.isTTY && !process.env.CI;
  if (mode === 'none') {
    return { startRun() {}, step() {}, epoch() {}, endRun() {}, stop() {}, note: (line) => process.stderr.write(`${line}\n`) };
  }
  return mode === 'bars' || (mode === 'auto' && tty) ? new BarProgress(clock) : new LineProgress(clock);
}
