import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from './atomic.js';
import { parseMetricNumber } from './run-folder.js';

/**
 * Cuts metrics.csv back to its header and the rows of epochs ≤ `lastEpoch` (atomically), so a
 * resumed run appends each later epoch exactly once. Returns false, changing nothing, when the
 * file is missing or its header differs from `columns` (the caller then starts afresh).
 * A torn last line from a crash mid-write is dropped with the other rows past `lastEpoch`.
 */
export function truncateMetricsCsv(path: string, columns: readonly string[], lastEpoch: number): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const header = stringify([columns]);
  if (!text.startsWith(header)) return false;
  const rows = text.slice(header.length).split('\n').filter((l) => l.length > 0);
  const keep: string[] = [];
  for (const line of rows) {
    const cells = line.split(',');
    const epoch = Number(cells[0]);
    // Rows are written in epoch order; a short (torn) row ends what can be trusted.
    if (cells.length !== columns.length || !Number.isInteger(epoch) || epoch > lastEpoch) break;
    keep.push(line + '\n');
  }
  if (keep.length !== lastEpoch + 1) return false;
  writeFileAtomic(path, header + keep.join(''));
  return true;
}

/**
 * The data rows of a metrics.csv as column → number (null: an empty or unreadable cell; a torn
 * last row has nulls where it was cut).
 */
export function readMetricsRows(path: string): Record<string, number | null>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = (header ?? '').split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, parseMetricNumber(cells[i] ?? '') ?? null]));
  });
}

/** The first data row of a metrics.csv (readMetricsRows), or null when the file has no data row. */
export function readFirstMetricsRow(path: string): Record<string, number | null> | null {
  return readMetricsRows(path)[0] ?? null;
}
