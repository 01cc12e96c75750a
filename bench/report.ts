/**
 * The bench report as markdown: machine header, speed table with torch ratios, targets table.
 * Printed by bench/run.ts and written to bench/results.md.
 */
import { fmtLoad, type MachineInfo } from './machine.js';
import { describeBlas, OPENBLAS_INSTALL } from './blas.js';
import { markdownTable, speedRows, SPEED_HEADER, targetRows, type LrSweepResult, type Measurements } from './targets.js';

/** The lr-sweep section: what ran, both sides' seconds and the BLAS torch used. */
function lrSweepLines(l: LrSweepResult | undefined): string[] {
  if (!l) return [];
  const head = ['## One epoch of configs/lr-sweep.yaml (the README\'s main job)', ''];
  if (!l.ok) return [...head, `Not measured: ${l.reason}`, ''];
  const t = l.torch;
  const rows = [
    ['gc-run (Trainer.trainEpoch + test evaluation; Trainer.measureGc)', l.oursEpochSeconds.toFixed(3), l.oursGcSeconds.toFixed(3)],
    ['PyTorch, bench/lr_sweep_torch.py', t.ok ? t.epochSeconds.toFixed(3) : `not run: ${t.reason}`, t.ok ? t.gcSeconds.toFixed(3) : '-'],
  ];
  return [
    ...head,
    markdownTable(['implementation', 'epoch s (median)', 'exact GC s (median)'], rows),
    '',
    `Work: ${l.work}. An epoch is every training step (each step's loss and correct count read back, as gc-run's` +
      ' train_loss/train_acc need) and the test loss/accuracy pass; GC is the trainer\'s exact measurement on its 256 GC' +
      ` examples. Medians of the timed epochs after one warm-up epoch. PyTorch BLAS: ${t.ok ? describeBlas(t.blas) : '-'}.`,
    '',
  ];
}

/** How the numbers were taken, for the report's notes. */
export interface BenchSettings {
  quick: boolean;
  steps: number;
  gcExamples: number;
  gcBatch: number;
  capSeconds: Record<string, number>;
  command: string;
  /** webgpu on a CPU fallback adapter (llvmpipe) too: only when --backends names webgpu. */
  webgpuFallback: boolean;
}

/** The whole report. `start`/`end` are the machine readings before and after measuring. */
export function renderReport(m: Measurements, start: MachineInfo, end: MachineInfo, s: BenchSettings, date: Date, seconds: number): string {
  const torch = m.torch.ok
    ? `PyTorch ${m.torch.version}, ${m.torch.threads} thread (OPENBLAS_NUM_THREADS=${m.torch.threads}), BLAS: ${describeBlas(m.torch.blas)}`
    : `PyTorch: not run (${m.torch.reason}; Debian: apt-get install -y python3-torch libopenblas0-pthread)`;
  const missing = m.backends.filter((b) => b.unavailable).map((b) => `${b.backend} (${b.unavailable})`);
  const tfjs = Object.entries(start.tfjs).map(([k, v]) => `${k} ${v}`).join(', ');
  const caps = Object.entries(s.capSeconds).map(([k, v]) => `${k} ${v} s`).join(', ');
  const lines = [
    `# gc-run benchmark${s.quick ? ' (--quick smoke test: few steps, not for comparison)' : ''}`,
    '',
    `- date: ${date.toISOString()}; took ${(seconds / 60).toFixed(1)} min; command: \`${s.command}\``,
    `- machine: ${start.cpuModel}, ${start.cores} cores, ${start.memoryGiB.toFixed(1)} GiB memory`,
    `- load average (1/5/15 min): ${fmtLoad(start.load)} at start, ${fmtLoad(end.load)} at end` +
      (start.load[0] > start.cores || end.load[0] > end.cores ? ' (busy: other work shared the CPU, absolute figures are noisy; ratios were taken in this one run)' : ''),
    `- Node ${start.node}; ${tfjs}; ${torch}`,
    `- backends not loaded: ${missing.length ? missing.join('; ') : 'none'}`,
    '',
    '## Speed vs the PyTorch reference',
    '',
    markdownTable(SPEED_HEADER, speedRows(m)),
    '',
    `Training: SGD, batch 128, softmax cross-entropy, Gaussian inputs, median of ${s.steps} steps after 2 warm-up steps` +
      ' (torch_bench.py: median of its steps after 3 warm-up steps). ' +
      `Exact GC: ${s.gcExamples} examples in batches of ${s.gcBatch} (gc-run's default gc.batch_size), after one warm-up batch` +
      ' (torch: all 256 in one pass, after one warm-up pass). Each cell runs in its own process; the models are' +
      ' measured one after another, and each model\'s PyTorch figures are taken right after the first loaded backend\'s' +
      ' (the shared host\'s speed drifts over minutes, so each ratio\'s two sides are measured back to back); ' +
      `per-cell time caps: ${caps}.`,
    '',
    ...lrSweepLines(m.lrSweep),
    '## Targets',
    '',
    markdownTable(['target', 'measured', 'verdict'], targetRows(m).map((r) => [r.target, r.measured, r.verdict])),
    '',
    'Targets are judged on the backend `--backend auto` selects (the first that loads), against PyTorch on an optimised BLAS' +
      ` (${OPENBLAS_INSTALL}); with the reference BLAS no ratio is given. Sweep: 4 MLP 256-256 runs on a` +
      ' Fashion-MNIST subset through `node bin/gc-run.js`, wall time including process start and data loading, timed' +
      ' at --jobs 1, 2, 2, 1 (each setting\'s mean: a linear drift in machine speed cancels out).' +
      ' Memory: one in-process Trainer run (MLP, momentum, weight decay, exact GC every 5 epochs), numTensors and RSS' +
      ' after a forced garbage collection. GC scaling: exact GC of an MLP 64-48 tanh (28x28x1 Gaussian inputs,' +
      ' batches of 32) at 256 examples (best of 3) and at 20 000 (2 560 with --quick), after a warm-up batch.',
    '',
  ];
  return lines.join('\n');
}
