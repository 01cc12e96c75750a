import cliProgress from 'cli-progress';
import type { SweepProgress } from '../runner/progress.js';
import type { EpochRow, StepProgress } from '../train/trainer.js';

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined ? '-' : Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}

/** Two cli-progress bars on a TTY: the sweep (runs done/total) and the current run (epochs). */
class BarProgress implements SweepProgress {
  private readonly multi = new cliProgress.MultiBar(
    { clearOnComplete: false, hideCursor: true, format: '{label} [{bar}] {value}/{total} {info}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  private sweepBar: cliProgress.SingleBar | null = null;
  private runBar: cliProgress.SingleBar | null = null;
  private lastGc: number | null = null;
  private done = 0;

  startRun(index: number, total: number, id: string, epochs: number): void {
    this.sweepBar ??= this.multi.create(total, 0, { label: 'sweep', info: '' });
    this.sweepBar.update(this.done, { info: `run ${index + 1}: ${id}` });
    this.runBar?.stop();
    if (this.runBar) this.multi.remove(this.runBar);
    this.lastGc = null;
    this.runBar = this.multi.create(epochs, 0, { label: 'epoch', info: '' });
  }

  step(p: StepProgress): void {
    this.runBar?.update(p.epoch - 1, { info: `step ${p.batch}/${p.batches} loss ${fmt(p.loss)} GC ${fmt(this.lastGc)}` });
  }

  epoch(row: EpochRow): void {
    if (row.gc !== null) this.lastGc = row.gc;
    this.runBar?.update(row.epoch, { info: `test acc ${fmt(row.test_acc, 3)} GC ${fmt(this.lastGc)}` });
  }

  endRun(status: string): void {
    this.done += 1;
    this.sweepBar?.update(this.done, { info: status });
  }

  stop(): void {
    this.multi.stop();
  }
}

/** Plain lines on stderr for logs and CI: one per epoch, plus a step line at most every `everyMs`. */
class LineProgress implements SweepProgress {
  private run = '';
  private lastLine = 0;
  constructor(private readonly everyMs = 30_000) {}

  private say(s: string): void {
    process.stderr.write(`[gc-run] ${s}\n`);
  }

  startRun(index: number, total: number, id: string, epochs: number): void {
    this.run = `run ${index + 1}/${total} ${id}`;
    this.say(`${this.run}: start (${epochs} epochs)`);
    this.lastLine = Date.now();
  }

  step(p: StepProgress): void {
    if (Date.now() - this.lastLine < this.everyMs) return;
    this.lastLine = Date.now();
    this.say(`${this.run}: epoch ${p.epoch} step ${p.batch}/${p.batches} loss ${fmt(p.loss)}`);
  }

  epoch(row: EpochRow): void {
    this.lastLine = Date.now();
    this.say(
      `${this.run}: epoch ${row.epoch} train_loss ${fmt(row.train_loss)} test_acc ${fmt(row.test_acc, 3)} GC ${fmt(row.gc)} (${row.seconds.toFixed(1)} s)`,
    );
  }

  endRun(status: string): void {
    this.say(`${this.run}: ${status}`);
  }

  stop(): void {}
}

/** Bars on an interactive terminal, plain lines otherwise (pipes, CI=true). */
export function createProgress(mode: 'auto' | 'bars' | 'lines' | 'none' = 'auto'): SweepProgress {
  const tty = process.stderr.isTTY && !process.env.CI;
  if (mode === 'none') {
    return { startRun() {}, step() {}, epoch() {}, endRun() {}, stop() {} };
  }
  return mode === 'bars' || (mode === 'auto' && tty) ? new BarProgress() : new LineProgress();
}
