import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '../config/schema.js';
import type { PlannedRun } from '../config/sweep.js';
import type { SweepProgress } from './progress.js';
import { GcRunError } from '../errors/errors.js';
import { configsToTrain, type SweepCommonOptions } from './sweep.js';
import { fetchDatasets } from './data-prep.js';
import type { FromWorker, ToWorker } from './pool-protocol.js';
import { readRecord, runDir, type RunOutcome } from './run-one.js';
import { describeEnd } from './run-end.js';
import { writeJsonAtomic } from '../results/atomic.js';
import { acquireRunLock } from '../results/lock.js';
import { RUN_FILES } from '../results/run-folder.js';

export interface PoolOptions extends SweepCommonOptions {
  /** Worker processes at most (a positive integer: --jobs, validated once by the CLI). */
  jobs: number;
  /** Backend choice each worker resolves for itself. */
  backend: BackendChoice;
  /** Progress view of one worker slot (0-based). */
  progress: (slot: number) => SweepProgress;
  /** Called once with the first worker's backend line. */
  onBackend?: (line: string) => void;
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Error a worker reported as fatal (backend or data could not load), with its exit code. */
class WorkerFatal extends GcRunError {
  constructor(
    message: string,
    override readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * Trains runs in `jobs` worker processes at once. Each worker pulls the next run of the shared
 * plan when it finishes one. A run whose worker dies is failed (its lock is then stale, so a
 * re-run resumes it) and the slot gets a fresh worker. On abort, workers are told to stop at
 * their next step; runs not yet handed out come back `pending` (nothing done). A worker
 * that cannot load its backend or data stops the pool and the error is thrown (exit 2).
 * Missing data is downloaded here, once, before any worker starts.
 */
export async function runPool(runs: PlannedRun[], opts: PoolOptions): Promise<RunOutcome[]> {
  if (opts.download) await fetchDatasets(configsToTrain(runs, opts.restart), { dataDir: opts.dataDir });
  const outcomes = new Map<string, RunOutcome>();
  const queue = [...runs.entries()];
  const workers = new Set<ChildProcess>();
  let fatal: GcRunError | null = null;
  let backendSaid = false;
  const stopAll = () => {
    for (const w of workers) if (w.connected) w.send({ type: 'stop' } satisfies ToWorker);
  };
  opts.signal?.addEventListener('abort', stopAll, { once: true });

  const slot = (s: number): Promise<void> =>
    new Promise((resolve) => {
      const progress = opts.progress(s);
      const w = fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.add(w);
      // fromEpoch / lastEpoch: what the worker reported, so a death names the last finished epoch.
      let current: { i: number; run: PlannedRun; started: boolean; fromEpoch?: number; lastEpoch?: number } | null = null;
      const post = (m: ToWorker) => w.connected && w.send(m);
      const next = () => {
        const item = opts.signal?.aborted || fatal ? undefined : queue.shift();
        if (!item) {
          current = null;
          post({ type: 'exit' });
          return;
        }
        current = { i: item[0], run: item[1], started: false };
        post({ type: 'run', run: item[1] });
      };
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            if (!backendSaid) opts.onBackend?.(m.line);
            backendSaid = true;
            next();
            break;
          case 'start':
            current!.started = true;
            current!.fromEpoch = m.fromEpoch;
            progress.startRun(current!.i, runs.length, m.id, current!.run.config.train.epochs, m.fromEpoch);
            break;
          case 'step':
            progress.step(m.p);
            break;
          case 'epoch':
            if (current) current.lastEpoch = m.row.epoch;
            progress.epoch(m.row);
            break;
          case 'done':
            if (current?.started) progress.endRun(describeEnd(m.outcome, current.run));
            outcomes.set(m.outcome.id, m.outcome);
            next();
            break;
          case 'fatal':
            fatal ??= new WorkerFatal(m.message, m.exitCode);
            if (current) queue.unshift([current.i, current.run]);
            current = null;
            stopAll();
            break;
        }
      });
      w.on('exit', (code, sig) => {
        workers.delete(w);
        if (current) {
          const { run } = current;
          const how = sig ? `killed by ${sig}` : `exited with code ${code}`;
          let epoch = 0;
          let message = `worker process ${how} before the run started training`;
          if (current.started) {
            const last = current.lastEpoch ?? (current.fromEpoch ?? 0) - 1;
            epoch = last + 1;
            message = `worker process ${how} during epoch ${epoch} (${last >= 0 ? `last finished epoch ${last}` : 'no epoch finished'})`;
          }
          const error = { epoch, message };
          if (w.pid !== undefined) recordWorkerDeath(runDir(run), w.pid, error);
          outcomes.set(run.id, { id: run.id, status: 'failed', dir: runDir(run), error });
          if (current.started) progress.endRun(`failed: ${message}`);
          current = null;
          // Replace the dead worker while there is work left.
          if (!opts.signal?.aborted && !fatal && queue.length) {
            void slot(s).then(resolve);
            return;
          }
        }
        resolve();
      });
      post({
        type: 'init',
        backend: opts.backend,
        dataDir: opts.dataDir,
        download: opts.download,
        argv: [...(opts.argv ?? process.argv)],
        restart: opts.restart,
        lock: opts.lock,
      });
    });

  const n = Math.min(opts.jobs, runs.length);
  await Promise.all(Array.from({ length: n }, (_, s) => slot(s)));
  opts.signal?.removeEventListener('abort', stopAll);
  if (fatal) throw fatal;
  return runs.map(
    (r) => outcomes.get(r.id) ?? { id: r.id, status: 'pending', dir: runDir(r), earlier: true },
  );
}

/**
 * Marks a run whose worker died mid-run as failed in its run.json at once (it would otherwise say
 * `running` until the next invocation noticed the stale lock). Done under the run's lock, which
 * the dead worker's stale lock gives up; only a record that this very worker left `running` is
 * changed, never one another process has taken over since. The checkpoint stays: a re-run resumes.
 */
function recordWorkerDeath(dir: string, workerPid: number, error: { epoch: number; message: string }): void {
  if (!existsSync(join(dir, RUN_FILES.record))) return;
  const taken = acquireRunLock(dir);
  if (!taken.acquired) return; // already resumed by another process
  try {
    const rec = readRecord(dir);
    if (rec?.status !== 'running' || rec.attempts?.at(-1)?.pid !== workerPid) return;
    rec.status = 'failed';
    rec.error = error;
    rec.ended_at = new Date().toISOString();
    writeJsonAtomic(join(dir, RUN_FILES.record), rec);
  } finally {
    taken.lock.release();
  }
}
