/**
 * Hydra's sweep values for `-m/--multirun`: `key=a,b,c` (a comma list at the top level; commas
 * inside [..], {..} or quotes belong to one value), `key=range(start,stop[,step])` (stop
 * excluded, as Python's and Hydra's range) and `key=choice(a,b)`.
 */

/** Splits `text` at commas outside brackets and quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** Whether `text` is a comma list at the top level (so, without -m, probably meant as a sweep). */
export function isCommaList(text: string): boolean {
  return splitTopLevel(text).length > 1;
}

const RANGE = /^range\((.*)\)$/s;
const CHOICE = /^choice\((.*)\)$/s;
/** Most values one range() may produce (a typo such as range(0,1e9) is refused, not expanded). */
const MAX_RANGE = 10_000;

/**
 * The sweep values `text` denotes, each still YAML text, or undefined when `text` is a single
 * value. Throws Error (message without the argument; the caller adds it) for a malformed range.
 */
export function sweepValues(text: string): string[] | undefined {
  const t = text.trim();
  const choice = CHOICE.exec(t);
  if (choice) return splitTopLevel(choice[1]);
  const range = RANGE.exec(t);
  if (range) {
    const nums = splitTopLevel(range[1]).map(Number);
    if (nums.length < 1 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
      throw new Error(`expected range(stop), range(start,stop) or range(start,stop,step) with numbers, e.g. range(0,3)`);
    }
    const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
    if (step === 0) throw new Error('range step must not be 0');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n === 0) throw new Error(`range(${range[1]}) is empty`);
    if (n > MAX_RANGE) throw new Error(`range(${range[1]}) has ${n} values, more than ${MAX_RANGE}`);
    // start + i*step, rounded to the inputs' decimals so 0.1 steps do not print as 0.30000000000000004.
    const decimals = Math.max(...nums.map((x) => (String(x).split('.')[1] ?? '').length));
    return Array.from({ length: n }, (_, i) => String(Number((start + i * step).toFixed(decimals))));
  }
  const parts = splitTopLevel(t);
  return parts.length > 1 ? parts : undefined;
}
