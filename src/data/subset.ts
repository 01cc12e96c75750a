/** Seeded, class-balanced subsets of a split (the paper trains on fixed-size subsets). */
import { DataError } from '../errors/errors.js';
import { Rng } from '../rng/rng.js';
import { takeExamples, type Split } from './split.js';

/**
 * Indices (ascending) of a class-balanced sample of `size` examples with labels `labels`.
 * Every class present gets floor(size/K) or ceil(size/K) examples (K = number of classes present),
 * which classes get the extra one being drawn from the seeded stream; a class with too few
 * examples gives all it has and the shortfall is spread over the others the same way.
 * Deterministic in (labels, size, seed). Throws DataError if size exceeds labels.length.
 */
export function stratifiedIndices(labels: Int32Array, size: number, seed: number): Int32Array {
  if (!Number.isInteger(size) || size < 0) throw new DataError(`subset size must be a non-negative integer, got ${size}`);
  if (size > labels.length) {
    throw new DataError(`subset of ${size} examples requested, but the split has only ${labels.length}`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const rng = Rng.derive(seed, 'stratified-subset');

  // Water-filling: classes smaller than their fair share give everything they have.
  const quota = new Map<number, number>();
  const bySize = [...classes].sort((a, b) => byClass.get(a)!.length - byClass.get(b)!.length || a - b);
  let remaining = size;
  let k = 0;
  for (; k < bySize.length; k++) {
    const avail = byClass.get(bySize[k])!.length;
    if (avail > Math.floor(remaining / (bySize.length - k))) break;
    quota.set(bySize[k], avail);
    remaining -= avail;
  }
  const rest = bySize.slice(k).sort((a, b) => a - b);
  if (rest.length > 0) {
    const base = Math.floor(remaining / rest.length);
    const extra = remaining - base * rest.length;
    const order = rng.permutation(rest.length);
    rest.forEach((c) => quota.set(c, base));
    for (let i = 0; i < extra; i++) quota.set(rest[order[i]], base + 1);
  }

  const out: number[] = [];
  for (const c of classes) {
    const idx = byClass.get(c)!;
    const q = quota.get(c)!;
    // Partial Fisher-Yates: the first q entries become a uniform sample without replacement.
    for (let i = 0; i < q; i++) {
      const j = i + rng.int(idx.length - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      out.push(idx[i]);
    }
  }
  return Int32Array.from(out).sort();
}

/**
 * A class-balanced subset of `split` with `size` examples, kept in their original order
 * (see stratifiedIndices). Copies the data; `split` is not modified.
 */
export function stratifiedSubset(split: Split, size: number, seed: number): Split {
  return takeExamples(split, stratifiedIndices(split.y, size, seed));
}
