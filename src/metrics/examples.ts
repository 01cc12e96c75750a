import * as tf from '#tf';

/**
 * Examples held in host memory: `n` examples of `shape` (one example's shape, e.g. [H, W, C]),
 * example-major in `x` (length n·prod(shape)). A split (data/split.ts) is one.
 */
export interface HostExamples {
  x: Float32Array;
  n: number;
  shape: readonly number[];
}

/** What the batched metrics accept: a tensor [N, ...shape] or host examples. */
export type Examples = tf.Tensor | HostExamples;

/** Number of examples in `e`. */
export function exampleCount(e: Examples): number {
  return e instanceof tf.Tensor ? e.shape[0] : e.n;
}

/**
 * Host copy of `e` (read once, asynchronously: every backend). Batches are then cut from host
 * memory: tf.slice of a device tensor is NOT O(batch) on wasm (its Slice kernel reads the whole
 * source tensor through readSync, which copies it), which made a pass over N examples in
 * batches cost O(N²) (20 000 GC examples: 61 s instead of about 1 s).
 */
export async function toHost(e: Examples): Promise<HostExamples> {
  if (!(e instanceof tf.Tensor)) return e;
  return { x: Float32Array.from(await e.data()), n: e.shape[0], shape: e.shape.slice(1) };
}

/**
 * Examples [start, start + size) of `e` as a new tensor [size, ...shape]; copies only that batch.
 */
export function batchTensor(e: HostExamples, start: number, size: number): tf.Tensor {
  const d = e.shape.reduce((p, q) => p * q, 1);
  return tf.tensor(e.x.subarray(start * d, (start + size) * d), [size, ...e.shape]);
}
