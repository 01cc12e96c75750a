import type { PlanEntry } from '../runner/plan-status.js';
import { describeEntry } from '../runner/plan-status.js';
import type { RunOutcome } from '../runner/run-one.js';
import { describeHolder } from '../results/lock.js';
import type { Io } from './io.js';
import { join } from 'node:path';
import { loadSweeps } from '../report/build.js';
import { fmtRho } from '../report/format.js';
import { reproRows, type ReproRow } from '../report/repro.js';

/** Prints the --dry-run plan: a table on stdout, or JSON with --json. */
export function printPlan(entries: PlanEntry[], json: boolean, io: Io): void {
  if (json) {
    io.stdout.write(JSON.stringify({ runs: entries }, null, 2) + '\n');
    return;
  }
  for (const e of entries) io.stdout.write(describeEntry(e) + '\n');
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  io.stdout.write(`${entries.length} run(s): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
}

/**
 * Prints the end-of-sweep summary on stderr and returns the exit code: 130 when interrupted,
 * 1 when a run failed or diverged (now or before), 0 otherwise.
 */
export function summarize(outcomes: RunOutcome[], interrupted: boolean, io: Io): number {
  const n = (pred: (o: RunOutcome) => boolean) => outcomes.filter(pred).length;
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'diverged');
  const busy = outcomes.filter((o) => o.status === 'busy');
  const complete = n((o) => o.status === 'complete');
  const resumed = n((o) => o.status === 'complete' && (o.fromEpoch ?? 0) > 0);
  const stopped = n((o) => o.status === 'interrupted');
  const pending = n((o) => o.status === 'pending');
  const parts = [
    `${complete} complete${resumed ? ` (${resumed} resumed from a checkpoint)` : ''}`,
    `${n((o) => o.status === 'skipped')} already complete (skipped)`,
    `${bad.length} failed`,
  ];
  if (busy.length) parts.push(`${busy.length} running elsewhere`);
  if (stopped) parts.push(`${stopped} interrupted (resumable)`);
  if (pending) parts.push(`${pending} pending (not started)`);
  io.stderr.write(`gc-run: ${parts.join(', ')}\n`);
  for (const o of bad) {
    io.stderr.write(`  ${o.status}${o.earlier ? ' (earlier)' : ''}: ${o.id} at epoch ${o.error?.epoch}: ${o.error?.message}\n`);
  }
  for (const o of busy) io.stderr.write(`  running elsewhere: ${o.id} (${describeHolder(o.holder!)})\n`);
  for (const o of outcomes) if (o.note) io.stderr.write(`  note: ${o.id}: ${o.note}\n`);
  if (interrupted) {
    io.stderr.write('gc-run: interrupted; re-run the same command to resume\n');
    return 130;
  }
  return bad.length ? 1 : 0;
}

/**
 * After a sweep: its reproduction line(s) (the Spearman ρ of gc-report's table over the
 * experiment's complete runs, with the paper's expected direction) and the commands to run next.
 * Silent when no run of the experiment is complete.
 */
export function printNextSteps(exp: { output_dir: string; experiment: string; logging?: { tensorboard: boolean } }, outcomes: RunOutcome[], io: Io): void {
  if (!outcomes.some((o) => o.status === 'complete' || o.status === 'skipped')) return;
  const dir = join(exp.output_dir, exp.experiment);
  let rows: ReproRow[] = [];
  try {
    rows = reproRows(loadSweeps([dir])).filter((r) => r.experiment === exp.experiment);
  } catch {
    // Nothing readable yet (or a damaged folder): gc-report says what is wrong.
  }
  for (const r of rows) {
    const paper = r.expected === null ? 'no expectation' : `paper ${r.expected < 0 ? 'falls' : 'rises'}`;
    const verdict = r.agrees === null ? 'undetermined' : r.agrees ? 'agrees' : 'DISAGREES';
    io.stderr.write(`gc-run: reproduction: ${r.measure} vs ${r.key}: Spearman ρ ${fmtRho(r.rho)} over ${r.n} complete run(s) (${paper}): ${verdict}\n`);
  }
  io.stderr.write(`gc-run: next: npx gc-report --repro ${dir}   (tables, plots, report.html in ${join(dir, 'report')})\n`);
  if (exp.logging?.tensorboard) io.stderr.write(`gc-run: TensorBoard: tensorboard --logdir ${join(dir, 'tensorboard')}\n`);
}
