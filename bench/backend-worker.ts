/**
 * One benchmark cell in a process of its own, so backends never share a tfjs engine:
 *   node dist/bench/backend-worker.js --backend wasm --model mlp --metric train [--steps 20]
 *   node dist/bench/backend-worker.js --backend wasm --model cnn --metric gc [--gc-examples 256] [--gc-batch 32]
 * Prints one JSON line (a CellResult) on stdout. Exit 0 = measured; 3 = backend did not load
 * (the JSON line says why); other codes = the measurement itself failed. webgpu is measured on a
 * real GPU adapter only, as `--backend auto` would take it; `--allow-fallback` (the parent passes it
 * when --backends names webgpu) measures a CPU fallback adapter such as llvmpipe too.
 */
import { parseArgs } from 'node:util';
import { selectBackend, BACKEND_ORDER, type ConcreteBackend } from '../src/backend/select.js';
import type { ReferenceModel } from './reference-models.js';
import { measureTraining } from './train-step.js';
import { EXIT_UNAVAILABLE, measureGcSeconds, type CellResult } from './cells.js';

const MODELS: readonly ReferenceModel[] = ['mlp', 'cnn', 'resblock'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      model: { type: 'string', default: 'mlp' },
      metric: { type: 'string', default: 'train' },
      steps: { type: 'string', default: '20' },
      'gc-examples': { type: 'string', default: '256' },
      'gc-batch': { type: 'string', default: '32' },
      'allow-fallback': { type: 'boolean', default: false },
    },
  });
  const backend = values.backend as ConcreteBackend;
  const model = values.model as ReferenceModel;
  if (!BACKEND_ORDER.includes(backend) || !MODELS.includes(model) || !['train', 'gc'].includes(values.metric!)) {
    process.stderr.write(`usage: backend-worker --backend ${BACKEND_ORDER.join('|')} --model ${MODELS.join('|')} --metric train|gc\n`);
    process.exitCode = 2;
    return;
  }
  try {
    // A CPU fallback adapter only with --allow-fallback: otherwise the adapter `auto` would take.
    const info = await selectBackend(backend, { fallbackAdapter: values['allow-fallback'] });
    if (info.adapter) process.stderr.write(`backend-worker: webgpu adapter ${info.adapter.name}${info.adapter.fallback ? ' (CPU fallback)' : ''}\n`);
  } catch (err) {
    const r: CellResult = { backend, unavailable: (err as Error).message };
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exitCode = EXIT_UNAVAILABLE;
    return;
  }
  let r: CellResult;
  if (values.metric === 'train') {
    const steps = Number(values.steps);
    const s = await measureTraining(model, { steps, warmup: 2 });
    r = { backend, model, metric: 'train', examplesPerS: s.examplesPerS, medianStepMs: s.medianStepMs, steps };
  } else {
    const examples = Number(values['gc-examples']);
    const batch = Number(values['gc-batch']);
    const g = await measureGcSeconds(model, examples, batch);
    r = { backend, model, metric: 'gc', seconds: g.seconds, examples, batch, gc: g.gc };
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}

await main();
