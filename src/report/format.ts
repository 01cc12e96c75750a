/**
 * Number and statistic formatting shared by the terminal, Markdown and HTML views, so all
 * three show the same digits.
 */
import type { Stat } from './aggregate.js';

/** 4 significant digits; '—' for missing; NaN/Infinity spelled out. */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-4) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** "mean ± std" over seeds; just "mean" when one seed (no fake spread); '—' when none. */
export function fmtStat(s: Stat): string {
  if (s.mean === null) return '—';
  return s.std === null ? fmtNum(s.mean) : `${fmtNum(s.mean)} ± ${fmtNum(s.std, 2)}`;
}

/** Signed correlation with 3 decimals. */
export function fmtRho(r: number | null): string {
  return r === null ? '—' : (r >= 0 ? '+' : '') + r.toFixed(3);
}

/** Left-aligned plain-text table with a dashed rule under the header. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Markdown table; pipes in cells escaped. */
export function mdTable(headers: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
