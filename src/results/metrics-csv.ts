import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';

/** The fixed leading columns of metrics.csv (penalty columns follow). */
export const BASE_COLUMNS = [
  'epoch',
  'step',
  'lr',
  'train_loss',
  'train_acc',
  'test_loss',
  'test_acc',
  'gc',
  'weight_norm_sq',
  'seconds',
  'gc_seconds',
] as const;

/**
 * Appends rows to metrics.csv, one per epoch, each flushed to disk (fsync) as it is written,
 * so a crash loses at most the epoch in progress. Missing values are written as empty cells.
 */
export class MetricsCsv {
  constructor(
    readonly path: string,
    readonly columns: readonly string[],
  ) {}

  /** Creates (truncates) the file and writes the header. */
  create(): void {
    this.write(stringify([this.columns]), 'w');
  }

  /** Appends one row; keys not in `columns` are an error (columns must stay stable). */
  append(row: Record<string, number | string | null | undefined>): void {
    for (const k of Object.keys(row)) {
      if (!this.columns.includes(k)) throw new Error(`metrics row has column '${k}' not in the header`);
    }
    const cells = this.columns.map((c) => {
      const v = row[c];
      return v === null || v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v;
    });
    this.write(stringify([cells]), 'a');
  }

  private write(text: string, flags: 'w' | 'a'): void {
    const fd = openSync(this.path, flags);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Full precision for floats (shortest round-trip form), NaN/Infinity spelled out. */
function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}
