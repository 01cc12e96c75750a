/**
 * Wall time of one small real sweep through the real CLI (node bin/gc-run.js) at --jobs 1 and
 * --jobs 2: 4 MLP runs on a Fashion-MNIST subset, each into a fresh output folder so that the
 * second invocation cannot skip runs the first completed.
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

/** Times the sweep at --jobs 1, then --jobs 2; never throws (a failure is a reason). */
export async function timeSweep(backend: string, quick: boolean, timeoutMs: number): Promise<SweepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gc-bench-sweep-'));
  try {
    const root = packageRoot();
    const seconds: number[] = [];
    for (const jobs of [1, 2]) {
      const cfg = join(dir, `jobs${jobs}.yaml`);
      writeFileSync(cfg, sweepConfigYaml(join(dir, `out-jobs${jobs}`), backend, quick));
      const r = await runChild(process.execPath, [join(root, 'bin', 'gc-run.js'), cfg, '--jobs', String(jobs), '--progress', 'none'], { timeoutMs, cwd: root });
      if (r.timedOut) return { ok: false, reason: `--jobs ${jobs} ran past ${timeoutMs / 1000} s` };
      if (r.code !== 0) return { ok: false, reason: `--jobs ${jobs} exited ${r.code}: ${lastLine(r.stderr, 'no output')}` };
      seconds.push(r.seconds);
    }
    // The 1-minute load average now mostly covers the --jobs 2 run: other work competing for cores caps its speedup.
    return { ok: true, runs: SWEEP_RUNS, jobs1Seconds: seconds[0], jobs2Seconds: seconds[1], load1: loadavg()[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
