import type { RunConfig } from '../config/schema.js';
import { RunFailure } from '../errors/errors.js';

/**
 * An exact GC pass holds classes × gc.batch_size copies of every activation; on wasm (4 GiB heap)
 * too many abort the backend with an opaque error. Say what to change instead.
 */
export function explainGcMemoryError(err: unknown, gc: RunConfig['gc'], classes: number): unknown {
  const msg = (err as Error)?.message ?? String(err);
  if (!/out of memory|table index is out of bounds|Cannot allocate|memory access out of bounds|Array buffer allocation failed/i.test(msg)) return err;
  const rows = gc.method === 'exact' ? classes * gc.batch_size : gc.projections * gc.batch_size;
  return new RunFailure(
    `GC measurement ran out of memory (${msg.split('\n')[0]}): one pass back-propagates ${rows} rows ` +
      `(${gc.method === 'exact' ? `${classes} classes` : `${gc.projections} projections`} × gc.batch_size ${gc.batch_size}); ` +
      `lower gc.batch_size${gc.method === 'exact' && classes > 10 ? ' or use gc.method: projection' : ''}`,
  );
}

