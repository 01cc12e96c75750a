/**
 * A small strict CSV reader for the files gc-run writes itself (RFC 4180: comma separator,
 * double-quote quoting with "" escapes, LF or CRLF line ends). Strict means: a stray quote or an
 * unterminated quoted field is an error, never silently repaired.
 */
import { DataError } from '../errors/errors.js';

/** Parsed CSV: header, data records, and whether the text ended with a line terminator. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line number of each data record in the file (for error messages). */
  lines: number[];
  /** False when the last record had no trailing newline (a writer may be mid-append). */
  terminated: boolean;
}

/**
 * Splits CSV text into records of fields. `file` only names the source in error messages.
 * Empty text gives an empty header and no rows.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records: string[][] = [];
  const starts: number[] = [];
  let field = '';
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let fieldStarted = false;
  const n = text.length;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    starts.push(recordLine);
    record = [];
    field = '';
    fieldStarted = false;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      if (field !== '' || fieldStarted) {
        throw new DataError(`${file}: line ${line}: unexpected '"' inside an unquoted field`);
      }
      i++;
      const openLine = line;
      for (;;) {
        if (i >= n) throw new DataError(`${file}: line ${openLine}: unterminated quoted field`);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      fieldStarted = true;
      const next = text[i];
      if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
        throw new DataError(`${file}: line ${line}: expected ',' or end of line after a quoted field`);
      }
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      if (c === '\r') {
        if (text[i + 1] !== '\n') throw new DataError(`${file}: line ${line}: bare carriage return`);
        i++;
      }
      i++;
      endRecord();
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  const terminated = !(fieldStarted || field !== '' || record.length > 0);
  if (!terminated) endRecord();
  const [header = [], ...rows] = records;
  return { header: records.length ? header : [], rows, lines: starts.slice(1), terminated };
}
