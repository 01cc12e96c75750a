import { DataError } from '../errors/errors.js';

/**
 * One split of a dataset held in memory.
 * `x`: Float32Array of length n*H*W*C, NHWC order (example-major, channels last);
 * `y`: Int32Array of length n (class indices); `shape`: [H, W, C] of one example.
 */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
  shape: [number, number, number];
}

/** Number of values in one example of `shape` (H*W*C). */
export function exampleSize(shape: readonly [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

/** Checks that the arrays of a split agree with `n` and `shape`; throws DataError naming `what`. */
export function checkSplit(split: Split, what: string): Split {
  const size = exampleSize(split.shape);
  if (split.y.length !== split.n || split.x.length !== split.n * size) {
    throw new DataError(
      `${what}: inconsistent split: n=${split.n}, shape=${split.shape.join('x')} needs ` +
        `${split.n * size} pixel values and ${split.n} labels, got ${split.x.length} and ${split.y.length}`,
    );
  }
  return split;
}

/** A new split holding the examples at `indices` (in that order). Copies the data. */
export function takeExamples(split: Split, indices: ArrayLike<number>): Split {
  const size = exampleSize(split.shape);
  const n = indices.length;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!(j >= 0 && j < split.n)) throw new RangeError(`index ${j} out of range [0, ${split.n})`);
    x.set(split.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = split.y[j];
  }
  return { x, y, n, shape: [...split.shape] };
}
