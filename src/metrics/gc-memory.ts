import type { RunConfig } from '../config/schema.js';
import { RunFailure } from '../errors/errors.js';

/**
 * A GC pass holds activations for gc.batch_size examples times up to one copy per class
 * (exact) or per projection; on wasm (4 GiB heap) too many abort the backend with an opaque
 * error. Say what to change instead.
 */
export function explainGcMemoryError(err: unknown, gc: RunConfig['gc'], classes: number): unknown {
  const msg = (err as Error)?.message ?? String(err);
  if (!/out of memory|table index is out of bounds|Cannot allocate|memory access out of bounds|Array buffer allocation failed/i.test(msg)) return err;
  const what = gc.method === 'exact' ? `${classes} Jacobian rows (one per class)` : `${gc.projections} projections`;
  return new RunFailure(
    `GC measurement ran out of memory (${msg.split('\n')[0]}) computing ${what} for gc.batch_size ${gc.batch_size} ` +
      `examples at a time; lower gc.batch_size${gc.method === 'exact' && classes > 10 ? ' or use gc.method: projection' : ''}`,
  );
}

