/**
 * Tabular views of aggregated sweeps: the per-knob-value summary, per-run rows, their CSV
 * files and the JSON shape printed by `gc-report --json`.
 */
import { stringify } from 'csv-stringify/sync';
import type { Sweep, KnobValue } from './aggregate.js';
import { fmtNum, fmtStat, textTable } from './format.js';
import { describeSelection } from './selection.js';

/** Headers and rows (as text) of one sweep's summary table. */
export function sweepSummaryTable(s: Sweep): { headers: string[]; rows: string[][] } {
  const knobHeader = s.knobKeys.length === 1 ? s.knobKeys[0] : s.knobKeys.length ? 'knob' : '(no knob)';
  // What is compared (final GC, or e.g. gc_margin at first train_acc ≥ 0.9), and the test accuracy of the same row.
  const measure = describeSelection(s.selection);
  const acc = s.selection.at ? `test acc there` : 'final test acc';
  return {
    headers: [knobHeader, 'runs done/failed/incomplete', `${measure} (mean ± std)`, `${acc} (mean ± std)`, 'n (done seeds)'],
    rows: s.groups.map((g) => [
      g.label,
      `${g.counts.done}/${g.counts.failed}/${g.counts.incomplete}${g.counts.invalid ? ` (+${g.counts.invalid} invalid)` : ''}`,
      fmtStat(g.finalValue),
      fmtStat(g.finalTestAcc),
      String(g.finalValue.n),
    ]),
  };
}

/** Headers and rows (as text) of one sweep's run list, failures and incomplete runs marked. */
export function sweepRunsTable(s: Sweep): { headers: string[]; rows: string[][] } {
  return {
    headers: ['run', 'knob', 'seed', 'status', 'epochs', s.selection.at ? 'epoch compared' : 'final epoch', describeSelection(s.selection), s.selection.at ? 'test acc there' : 'final test acc', 'note'],
    rows: s.runs.map((r) => [
      r.id,
      r.knobLabel,
      String(r.seed),
      r.state === 'done' ? r.status : `${r.status.toUpperCase()} (${r.state})`,
      r.epochsDone === null ? '—' : `${r.epochsDone}/${r.epochsTotal ?? '?'}`,
      r.finalEpoch === null ? '—' : String(r.finalEpoch),
      fmtNum(r.finalValue),
      fmtNum(r.finalTestAcc),
      [r.error, ...r.problems].filter(Boolean).join('; '),
    ]),
  };
}

const csvCell = (v: KnobValue | number | undefined) => (v === null || v === undefined ? '' : v);

/** summary.csv: one row per knob value per sweep, full precision. */
export function summaryCsv(sweeps: Sweep[]): string {
  const rows: unknown[][] = [];
  for (const s of sweeps) {
    for (const g of s.groups) {
      rows.push([
        s.experiment, s.knobKeys.join(' '), g.label, g.runs.length, g.counts.done, g.counts.failed, g.counts.incomplete, g.counts.invalid,
        csvCell(g.finalValue.mean), csvCell(g.finalValue.std), g.finalValue.n,
        csvCell(g.finalTestAcc.mean), csvCell(g.finalTestAcc.std), g.finalTestAcc.n,
      ]);
    }
  }
  return stringify(rows, {
    header: true,
    columns: [
      'experiment', 'knob_keys', 'knob_value', 'runs', 'done', 'failed', 'incomplete', 'invalid',
      'final_gc_mean', 'final_gc_std', 'final_gc_n', 'final_test_acc_mean', 'final_test_acc_std', 'final_test_acc_n',
    ],
  });
}

/** runs.csv: one row per run with a column per swept key (across all sweeps) and final metrics. */
export function runsCsv(sweeps: Sweep[]): string {
  const keys = [...new Set(sweeps.flatMap((s) => s.knobKeys))].sort();
  const rows = sweeps.flatMap((s) =>
    s.runs.map((r) => [
      s.experiment, r.id, r.seed, r.status, r.state,
      ...keys.map((k) => (k in r.knob ? csvCell(r.knob[k]) : '')),
      csvCell(r.finalEpoch), csvCell(r.finalValue), csvCell(r.finalTestAcc),
      csvCell(r.epochsDone), csvCell(r.epochsTotal), r.error ?? '', r.problems.join('; '), r.dir, csvCell(r.parameters),
    ]),
  );
  return stringify(rows, {
    header: true,
    columns: [
      'experiment', 'run_id', 'seed', 'status', 'state', ...keys,
      'final_epoch', 'final_gc', 'final_test_acc', 'epochs_done', 'epochs_total', 'error', 'problems', 'dir', 'parameters',
    ],
  });
}

/** Terminal text: one titled table per sweep. */
export function sweepsText(sweeps: Sweep[]): string {
  return sweeps
    .map((s) => {
      const t = sweepSummaryTable(s);
      const n = s.runs.length;
      const c = (st: string) => s.runs.filter((r) => r.state === st).length;
      const title = `${s.experiment}  (knob: ${s.knobKeys.join(' × ') || 'none'}; ${n} run${n === 1 ? '' : 's'}: ${c('done')} done, ${c('failed')} failed, ${c('incomplete')} incomplete${c('invalid') ? `, ${c('invalid')} invalid` : ''}; stats over done runs)`;
      const warn = s.warnings.map((w) => `  warning: ${w}`).join('\n');
      return [title, textTable(t.headers, t.rows), warn].filter(Boolean).join('\n');
    })
    .join('\n\n');
}

/** JSON shape of `gc-report --json` (numbers stay numbers; missing values are null). */
export function sweepsJson(sweeps: Sweep[]) {
  const num = (x: number | null) => (x === null || !Number.isFinite(x) ? (x === null ? null : String(x)) : x);
  return sweeps.map((s) => ({
    experiment: s.experiment,
    knob_keys: s.knobKeys,
    warnings: s.warnings,
    groups: s.groups.map((g) => ({
      knob: g.knob,
      label: g.label,
      runs: g.runs.length,
      counts: g.counts,
      final_gc: { mean: num(g.finalValue.mean), std: num(g.finalValue.std), n: g.finalValue.n },
      final_test_acc: { mean: num(g.finalTestAcc.mean), std: num(g.finalTestAcc.std), n: g.finalTestAcc.n },
    })),
    runs: s.runs.map((r) => ({
      id: r.id, seed: r.seed, status: r.status, state: r.state, knob: r.knob,
      final_epoch: r.finalEpoch, final_gc: num(r.finalValue), final_test_acc: num(r.finalTestAcc),
      epochs_done: r.epochsDone, epochs_total: r.epochsTotal, parameters: r.parameters, error: r.error, problems: r.problems, dir: r.dir,
    })),
  }));
}
