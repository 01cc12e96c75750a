/**
 * Wall time of one small real sweep through the real CLI (node bin/gc-run.js) at --jobs 1 and
 * --jobs 2, twice each: 4 MLP runs on a Fashion-MNIST subset, each invocation into a fresh output
 * folder so that none can skip runs an earlier one completed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/data/paths.js';
import { lastLine, runChild } from './child.js';
import type { SweepResult } from './targets.js';

/** Runs in the bench sweep (4 learning rates, one seed). */
export const SWEEP_RUNS = 4;

/** The bench sweep config as YAML; `quick` shrinks it to a smoke test. */
export function sweepConfigYaml(outDir: string, backend: string, quick: boolean): string {
  const [trainSize, epochs] = quick ? [500, 2] : [6000, 30];
  return `experiment: bench-sweep
output_dir: ${JSON.stringify(outDir)}
backend: ${backend}
dataset: { name: fashion-mnist, train_size: ${trainSize}, test_size: 1000 }
model: { arch: mlp, widths: [256, 256] }
optimizer: { lr: 0.05 }
train: { batch_size: 32, epochs: ${epochs} }
gc: { examples: 256, batch_size: 32, every: 10 }
sweep:
  grid: { optimizer.lr: [0.01, 0.03, 0.1, 0.3] }
  seeds: [0]
`;
}

/**
 * The order of the timed invocations: --jobs 1, 2, 2, 1. The machine's speed drifts over minutes
 * (a shared host): with each setting's mean over this ABBA order, a linear drift cancels out of
 * the speed-up instead of landing on one side of it.
 */
export const SWEEP_ORDER = [1, 2, 2, 1] as const;

/** Times the sweep in SWEEP_ORDER; never throws (a failure is a reason). */
export async function timeSweep(backend: string, quick: boolean, timeoutMs: number): Promise<SweepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gc-bench-sweep-'));
  try {
    const root = packageRoot();
    const seconds: Record<1 | 2, number[]> = { 1: [], 2: [] };
    let load1 = 0;
    for (const [i, jobs] of SWEEP_ORDER.entries()) {
      const cfg = join(dir, `run${i}.yaml`);
      writeFileSync(cfg, sweepConfigYaml(join(dir, `out${i}`), backend, quick));
      const r = await runChild(process.execPath, [join(root, 'bin', 'gc-run.js'), cfg, '--jobs', String(jobs), '--progress', 'none'], { timeoutMs, cwd: root });
      if (r.timedOut) return { ok: false, reason: `--jobs ${jobs} ran past ${timeoutMs / 1000} s` };
      if (r.code !== 0) return { ok: false, reason: `--jobs ${jobs} exited ${r.code}: ${lastLine(r.stderr, 'no output')}` };
      seconds[jobs].push(r.seconds);
      // The 1-minute load average right after a --jobs 2 run: other work competing for cores caps its speedup.
      if (jobs === 2) load1 = Math.max(load1, loadavg()[0]);
    }
    const mean = (v: number[]) => v.reduce((p, x) => p + x, 0) / v.length;
    return { ok: true, runs: SWEEP_RUNS, jobs1Seconds: mean(seconds[1]), jobs2Seconds: mean(seconds[2]), jobs1Each: seconds[1], jobs2Each: seconds[2], load1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
