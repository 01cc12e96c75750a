/** Numeric comparison helpers shared by tests. Not a test file itself. */

/** Largest |a-b| relative to the largest |b| (floored at 1e-6, so all-zero references still compare). */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
