/**
 * The bench report as markdown: machine header, speed table with torch ratios, targets table.
 * Printed by bench/run.ts and written to bench/results.md.
 */
import { fmtLoad, type MachineInfo } from './machine.js';
import { markdownTable, speedRows, SPEED_HEADER, targetRows, type Measurements } from './targets.js';

/** How the numbers were taken, for the report's notes. */
export interface BenchSettings {
  quick: boolean;
  steps: number;
  gcExamples: number;
  gcBatch: number;
  capSeconds: Record<string, number>;
  command: string;
}

/** The whole report. `start`/`end` are the machine readings before and after measuring. */
export function renderReport(m: Measurements, start: MachineInfo, end: MachineInfo, s: BenchSettings, date: Date, seconds: number): string {
  const torch = m.torch.ok ? `PyTorch ${m.torch.version} (1 thread)` : `PyTorch: not run (${m.torch.reason})`;
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
    '## Targets',
    '',
    markdownTable(['target', 'measured', 'verdict'], targetRows(m).map((r) => [r.target, r.measured, r.verdict])),
    '',
    'Targets are judged on the backend `--backend auto` selects (the first that loads). Sweep: 4 MLP 256-256 runs on a' +
      ' Fashion-MNIST subset through `node bin/gc-run.js`, wall time including process start and data loading, timed' +
      ' at --jobs 1, 2, 2, 1 (each setting\'s mean: a linear drift in machine speed cancels out).' +
      ' Memory: one in-process Trainer run (MLP, momentum, weight decay, exact GC every 5 epochs), numTensors and RSS' +
      ' after a forced garbage collection. GC scaling: exact GC of an MLP 64-48 tanh (28x28x1 Gaussian inputs,' +
      ' batches of 32) at 256 examples (best of 3) and at 20 000 (2 560 with --quick), after a warm-up batch.',
    '',
  ];
  return lines.join('\n');
}
