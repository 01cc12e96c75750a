/**
 * "Did you mean …?": the candidate nearest to a misspelt name, by Levenshtein distance (at most
 * max(2, ⅓ of the name's length)), or undefined when nothing is that close. One rule for config
 * keys (schema-keys.ts) and for metrics.csv columns (report/selection.ts).
 */
export function nearestName(name: string, candidates: Iterable<string>, opts: { ignoreCase?: boolean } = {}): string | undefined {
  const norm = (s: string) => (opts.ignoreCase ? s.toLowerCase() : s);
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(norm(name), norm(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** Levenshtein distance (small strings: key paths, column names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
