/**
 * The GC-scaling benchmark row in a process of its own (run alone or by `npm run bench`):
 *   node dist/bench/gc-scaling-worker.js [--backend wasm] [--small 256] [--large 20000]
 * Prints one JSON line (a GcScalingResult). Exit 2 on bad flags.
 */
import { parseArgs } from 'node:util';
import { selectBackend, BACKEND_ORDER, type ConcreteBackend } from '../src/backend/select.js';
import { describeGcScaling, measureGcScaling } from './gc-scaling.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      small: { type: 'string', default: '256' },
      large: { type: 'string', default: '20000' },
    },
  });
  const backend = values.backend as ConcreteBackend;
  const small = Number(values.small);
  const large = Number(values.large);
  if (!BACKEND_ORDER.includes(backend) || !Number.isInteger(small) || !Number.isInteger(large) || !(small > 0 && large > small)) {
    process.stderr.write(`usage: gc-scaling-worker [--backend ${BACKEND_ORDER.join('|')}] [--small N] [--large M] (0 < N < M, integers)\n`);
    process.exitCode = 2;
    return;
  }
  await selectBackend(backend);
  const r = await measureGcScaling(backend, small, large);
  if (r.ok) process.stderr.write(`gc scaling: ${describeGcScaling(r)}\n`);
  process.stdout.write(JSON.stringify(r) + '\n');
}

await main();
