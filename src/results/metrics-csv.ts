import { writeSynced } from './atomic.js';
import { stringify } from 'csv-stringify/sync';
import { formatMetricNumber, METRICS_BASE_COLUMNS } from './run-folder.js';

/** The fixed leading columns of metrics.csv (penalty columns follow); from the run-folder contract. */
export const BASE_COLUMNS = METRICS_BASE_COLUMNS;

/**
 * Appends rows to metrics.csv, one per epoch, each flushed to disk (fsync) as it is written,
 * so a crash loses at most the epoch in progress. Cells follow the contract's number format
 * (formatMetricNumber: empty when missing, `nan`/`inf`/`-inf` when non-finite).
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
      return typeof v === 'string' ? v : formatMetricNumber(v);
    });
    this.write(stringify([cells]), 'a');
  }

  private write(text: string, flags: 'w' | 'a'): void {
    writeSynced(this.path, text, flags);
  }
}
