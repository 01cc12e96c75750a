import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';

/** Switches tfjs to `name` for a test file (cpu by default: the reference backend). */
export async function useBackend(name: 'cpu' | 'wasm' = 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to load`);
  await tf.ready();
}

/** Relative difference |a-b| / max(|a|, |b|, tiny). */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}
