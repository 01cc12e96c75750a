/**
 * The lr-sweep row of `npm run bench`: one epoch of configs/lr-sweep.yaml and its 256-example
 * exact GC, by gc-run's own Trainer (lr-sweep-worker.ts, a child process) and then, right after,
 * by bench/lr_sweep_torch.py doing the same work with the same lr, widths and sizes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/data/paths.js';
import { jsonLines, lastLine, runChild } from './child.js';
import type { LrSweepResult as WorkerLine } from './lr-sweep-worker.js';
import type { LrSweepResult } from './targets.js';
import { PYTHON, torchVersion } from './torch-ref.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

interface TorchLine {
  epoch_s: number;
  gc_s: number;
  blas: string;
}

/** Runs both sides (`epochs` timed epochs each, medians); never throws. */
export async function measureLrSweep(backend: string, epochs: number, torch: boolean, timeoutMs: number): Promise<LrSweepResult> {
  const r = await runChild(process.execPath, [here('./lr-sweep-worker.js'), '--backend', backend, '--epochs', String(epochs)], { timeoutMs });
  const [w] = jsonLines<WorkerLine>(r.stdout);
  if (r.timedOut) return { ok: false, reason: `gc-run side ran past ${timeoutMs / 1000} s` };
  if (r.code !== 0 || !w) return { ok: false, reason: `gc-run side failed: ${lastLine(r.stderr, `exit ${r.code}`)}` };
  const work = `MLP ${w.widths.join('-')} (${w.backend}), lr ${w.lr}, batch ${w.batch}, ${w.train} train + ${w.test} test examples (eval batch ${w.evalBatch}), GC of ${w.gcExamples} in batches of ${w.gcBatch}`;
  const base = { ok: true as const, work, oursEpochSeconds: w.epochSeconds, oursGcSeconds: w.gcSeconds };
  if (!torch) return { ...base, torch: { ok: false, reason: '--no-torch' } };
  const v = torchVersion();
  if (!v.ok) return { ...base, torch: v };
  const script = join(packageRoot(), 'bench', 'lr_sweep_torch.py');
  if (!existsSync(script)) return { ...base, torch: { ok: false, reason: `${script} not found` } };
  const args = [script, '--threads', '1', '--epochs', String(epochs), '--data', join(packageRoot(), 'datasets', 'fashion-mnist'), '--lr', String(w.lr),
    '--widths', w.widths.join(','), '--batch', String(w.batch), '--train', String(w.train), '--test', String(w.test),
    '--eval-batch', String(w.evalBatch), '--gc-examples', String(w.gcExamples), '--gc-batch', String(w.gcBatch)];
  const t = await runChild(PYTHON, args, { timeoutMs });
  const [line] = jsonLines<TorchLine>(t.stdout);
  if (t.timedOut || t.code !== 0 || !line) return { ...base, torch: { ok: false, reason: t.timedOut ? 'lr_sweep_torch.py timed out' : `lr_sweep_torch.py failed: ${lastLine(t.stderr, `exit ${t.code}`)}` } };
  return { ...base, torch: { ok: true, epochSeconds: line.epoch_s, gcSeconds: line.gc_s, blas: line.blas } };
}
