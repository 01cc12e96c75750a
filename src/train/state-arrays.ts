/** Tensors ↔ the plain arrays of a checkpoint (results/trainer-state.ts). */
import * as tf from '#tf';
import type { NamedArray } from '../results/trainer-state.js';

/** Host copies of named tensors (int32 kept as int32, everything else float32). */
export async function toArrays(named: { name: string; tensor: tf.Tensor }[]): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const { name, tensor } of named) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    out.push({ name, shape: [...tensor.shape], dtype, data: Float32Array.from(await tensor.data()) });
  }
  return out;
}

/** A new tensor from a checkpoint array. */
export function fromArray(a: NamedArray): tf.Tensor {
  return tf.tensor(a.dtype === 'int32' ? Int32Array.from(a.data) : a.data, a.shape, a.dtype);
}

