import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DATA_CLASS_SCALAR, DT_FLOAT, decodeEventStep, encodeEvent, SESSION_LOG_START } from './proto.js';
import { frameRecord, readRecords } from './records.js';
import { writeFileAtomic } from '../atomic.js';
import { makeFolder } from '../fs-safe.js';

/** Event files gc-run writes (TensorBoard reads any name containing "tfevents"; the suffix marks ours). */
const OURS = /^events\.out\.tfevents\.(\d+)\..*\.gc-run$/;

/** The event files gc-run wrote into `dir`, oldest first (TensorBoard reads them in name order). */
export function ownEventFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => OURS.test(n)).sort();
}

/**
 * Keeps only the events at steps ≤ `lastStep` in `file` (rewritten atomically): after a resume
 * from a checkpoint at `lastStep`, nothing the resumed run redoes may show twice.
 */
function cutBack(file: string, lastStep: number): void {
  const bytes = readFileSync(file);
  const records = readRecords(bytes);
  const kept = records.filter((r) => {
    const e = decodeEventStep(r.data);
    return e.fileVersion || e.step <= lastStep;
  });
  // Unchanged (and no torn record at its end): leave it.
  if (kept.length === records.length && (records.at(-1)?.end ?? 0) === bytes.length) return;
  writeFileAtomic(file, kept.map((r) => frameRecord(r.data)));
}

/**
 * One run's TensorBoard event file writer. Events are buffered and written (and fsynced) by
 * flush(). A fresh start removes the run's earlier event files; a resume at `resumeStep` cuts them
 * back to steps ≤ resumeStep and starts a new file with a SessionLog START at resumeStep + 1, so a
 * TensorBoard already showing the lost steps drops them too (its purge-on-restart rule; a fresh
 * file starts with a START at step 0, which TensorBoard needs to see the later one as a restart).
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number;
  private pending: Buffer[] = [];

  constructor(readonly dir: string, resumeStep: number | null, now: () => number = Date.now) {
    makeFolder(dir);
    const earlier = ownEventFiles(dir);
    if (resumeStep === null) for (const f of earlier) rmSync(join(dir, f), { force: true });
    else for (const f of earlier) cutBack(join(dir, f), resumeStep);
    // The new file must sort after every earlier one: TensorBoard reads files in name order.
    const lastSecs = resumeStep === null ? 0 : Math.max(0, ...earlier.map((f) => Number(OURS.exec(f)![1])));
    const secs = Math.max(Math.floor(now() / 1000), lastSecs + 1);
    this.path = join(dir, `events.out.tfevents.${secs}.${hostname()}.${process.pid}.gc-run`);
    this.fd = openSync(this.path, 'wx');
    this.add({ wallTime: now() / 1000, step: 0, fileVersion: 'brain.Event:2' });
    // TensorBoard (the Python reader and the Rust data server) treats a run's first START as its
    // start and every later one as a restart: it drops what it holds at steps >= the START's step.
    this.add({ wallTime: now() / 1000, step: resumeStep === null ? 0 : resumeStep + 1, sessionLog: { status: SESSION_LOG_START } });
    this.flush();
  }

  /** Queues one Event (camelCase fields of proto.ts). */
  add(event: Record<string, unknown>): void {
    this.pending.push(frameRecord(encodeEvent({ wallTime: Date.now() / 1000, ...event })));
  }

  /**
   * Scalars at `step`, one summary value per tag, as the scalars plugin's float32 tensors (what
   * tf.summary.scalar writes; TensorBoard's Rust data server ignores float64 ones). Non-finite
   * values are written as they are.
   */
  scalars(step: number, values: Record<string, number>): void {
    const value = Object.entries(values).map(([tag, v]) => ({
      tag,
      metadata: { pluginData: { pluginName: 'scalars' }, dataClass: DATA_CLASS_SCALAR },
      tensor: { dtype: DT_FLOAT, tensorShape: {}, floatVal: [v] },
    }));
    if (value.length) this.add({ step, summary: { value } });
  }

  /** A summary carrying only plugin metadata (the hparams plugin's messages), on an empty float tensor. */
  pluginSummary(step: number, tag: string, pluginName: string, content: Uint8Array): void {
    this.add({
      step,
      summary: { value: [{ tag, metadata: { pluginData: { pluginName, content } }, tensor: { dtype: DT_FLOAT, tensorShape: { dim: [{ size: 0 }] } } }] },
    });
  }

  /** Writes the queued events and syncs the file (a reader sees whole records). */
  flush(): void {
    if (!this.pending.length) return;
    const buf = Buffer.concat(this.pending);
    this.pending = [];
    for (let at = 0; at < buf.length; ) at += writeSync(this.fd, buf, at);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
