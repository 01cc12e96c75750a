/**
 * Writes fake run folders in the runner's layout (docs/ARCHITECTURE.md) with known numbers,
 * so report tests check exact aggregates without training anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunStatus } from '../../src/results/run-folder.js';

export const HEADER = 'epoch,step,lr,train_loss,train_acc,test_loss,test_acc,gc,weight_norm_sq,seconds';

/** One metrics row; missing values are written as empty cells. */
export interface Row {
  epoch: number;
  gc?: number | null;
  test_acc?: number | null;
  /** Written (as a gc_margin column after HEADER's) only when some row of the run sets it. */
  gc_margin?: number | null;
}

export interface FixtureRun {
  experiment: string;
  seed: number;
  swept: Record<string, unknown>;
  status: RunStatus;
  rows: Row[];
  /** Extra config overrides merged into the base config (dotted keys not supported). */
  config?: Record<string, unknown>;
  error?: string;
  /** Omit `swept` from run.json's content (to test config-based knob inference). */
  emptySwept?: boolean;
}

function setDotted(obj: Record<string, any>, key: string, value: unknown) {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] ??= {};
  o[parts[parts.length - 1]] = value;
}

/** Writes one run folder under `root/<experiment>/<id>/` and returns its path. */
export function writeRun(root: string, r: FixtureRun): string {
  const knob = Object.entries(r.swept).map(([k, v]) => `${k}=${v}`).join('-');
  const id = `${r.experiment}-${knob}-s${r.seed}`;
  const dir = join(root, r.experiment, id);
  mkdirSync(dir, { recursive: true });
  const config: Record<string, any> = {
    experiment: r.experiment, output_dir: root, backend: 'wasm', seed: r.seed,
    dataset: { name: 'fashion-mnist', train_size: 200, test_size: 100, seed: 0 },
    model: { arch: 'mlp', widths: [16], activation: 'relu', init: { scheme: 'he_normal', scale: 1 } },
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0 },
    train: { batch_size: 32, epochs: 5 },
    gc: { examples: 64, batch_size: 64, every: 2 },
    ...r.config,
  };
  for (const [k, v] of Object.entries(r.swept)) setDotted(config, k, v);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const epochsDone = r.rows.length ? r.rows[r.rows.length - 1].epoch : 0;
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      id, experiment: r.experiment, seed: r.seed, swept: r.emptySwept ? {} : r.swept, status: r.status,
      backend: 'wasm', started_at: '2024-01-01T00:00:00Z', ended_at: r.status === 'running' ? null : '2024-01-01T00:01:00Z',
      epochs_done: epochsDone, epochs_total: 5,
      ...(r.error ? { error: { epoch: epochsDone, message: r.error } } : {}),
    }),
  );
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const margin = r.rows.some((row) => row.gc_margin !== undefined);
  const lines = r.rows.map((row) =>
    [row.epoch, row.epoch * 10, 0.05, row.epoch ? 0.5 : '', row.epoch ? 0.8 : '', 0.6, cell(row.test_acc), cell(row.gc), 12.5, 1.5, ...(margin ? [cell(row.gc_margin)] : [])].join(','),
  );
  writeFileSync(join(dir, 'metrics.csv'), [margin ? `${HEADER},gc_margin` : HEADER, ...lines].join('\n') + '\n');
  return dir;
}

/**
 * Rows for epochs 0..5: gc measured on even epochs (0, 2, 4), linear from `gc0` to
 * `gcFinal` at epoch 4; test accuracy every epoch, linear from 0.1 to `accFinal` at epoch 5.
 * Final (last measured gc) is therefore epoch 4, with test_acc = 0.1 + 0.8·(accFinal − 0.1).
 */
export function curve(gc0: number, gcFinal: number, accFinal: number, lastEpoch = 5): Row[] {
  const rows: Row[] = [];
  for (let e = 0; e <= lastEpoch; e++) {
    rows.push({
      epoch: e,
      gc: e % 2 === 0 ? gc0 + ((gcFinal - gc0) * e) / 4 : null,
      test_acc: 0.1 + ((accFinal - 0.1) * e) / 5,
    });
  }
  return rows;
}

/**
 * Two sweeps with known numbers:
 * - lr-sweep, optimizer.lr ∈ {0.01, 0.1, 1}, seeds 0–2. Final GC: lr 0.01 → 10, 12, 14
 *   (mean 12, std 2); lr 0.1 → 5, 6, 7 (mean 6, std 1); lr 1 → 2, 3 (mean 2.5, std √0.5)
 *   plus seed 2 diverged. gc_margin (on the rows with gc) is constant per run: lr 0.01 → 3, 1, 2;
 *   lr 0.1 → 2.5, 1.5, 0.5; lr 1 → 1, 0.2.
 * - bs-sweep, train.batch_size ∈ {32, 128} with one seed each (no std), plus batch 256 running.
 */
export function writeDemoResults(root: string): void {
  const finals: Record<number, number[]> = { 0.01: [10, 12, 14], 0.1: [5, 6, 7], 1: [2, 3] };
  const margins: Record<number, number[]> = { 0.01: [3, 1, 2], 0.1: [2.5, 1.5, 0.5], 1: [1, 0.2] };
  for (const [lr, gcs] of Object.entries(finals)) {
    gcs.forEach((g, seed) =>
      writeRun(root, {
        experiment: 'lr-sweep', seed, swept: { 'optimizer.lr': Number(lr) }, status: 'complete',
        rows: curve(20, g, 0.7 + 0.01 * seed + Number(lr) / 10).map((row) => ({ ...row, gc_margin: row.gc === null ? null : margins[Number(lr)][seed] })),
      }),
    );
  }
  writeRun(root, {
    experiment: 'lr-sweep', seed: 2, swept: { 'optimizer.lr': 1 }, status: 'diverged', error: 'train_loss is NaN at epoch 3',
    rows: [{ epoch: 0, gc: 20, test_acc: 0.1 }, { epoch: 1, gc: null, test_acc: 0.2 }, { epoch: 2, gc: 900, test_acc: 0.1 }],
  });
  writeRun(root, { experiment: 'bs-sweep', seed: 0, swept: { 'train.batch_size': 32 }, status: 'complete', rows: curve(20, 4, 0.8) });
  writeRun(root, { experiment: 'bs-sweep', seed: 0, swept: { 'train.batch_size': 128 }, status: 'complete', rows: curve(20, 9, 0.75) });
  writeRun(root, {
    experiment: 'bs-sweep', seed: 0, swept: { 'train.batch_size': 256 }, status: 'running', rows: curve(20, 15, 0.6, 2),
  });
}
