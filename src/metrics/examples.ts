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

/** Labels [start, start + size) of `y` as an int32 tensor [size]. */
export function batchLabels(y: Int32Array, start: number, size: number): tf.Tensor1D {
  return tf.tensor1d(y.subarray(start, start + size), 'int32');
}

/**
 * The one batched pass over host examples: for each batch of at most `batchSize` examples in
 * order, `perBatch` maps its inputs [size, ...shape] to result tensors (inside tf.tidy), which
 * are read back asynchronously, handed to `collect` with the batch's start and size, and freed.
 */
export async function forEachBatch(
  e: HostExamples,
  batchSize: number,
  perBatch: (xb: tf.Tensor, start: number, size: number) => tf.Tensor | tf.Tensor[],
  collect: (values: Array<Float32Array | Int32Array | Uint8Array>, start: number, size: number) => void,
): Promise<void> {
  for (let start = 0; start < e.n; start += batchSize) {
    const size = Math.min(batchSize, e.n - start);
    const out = tf.tidy(() => {
      const r = perBatch(batchTensor(e, start, size), start, size);
      return Array.isArray(r) ? r : [r];
    });
    try {
      const values = [];
      for (const t of out) values.push(await t.data());
      collect(values, start, size);
    } finally {
      tf.dispose(out);
    }
  }
}
