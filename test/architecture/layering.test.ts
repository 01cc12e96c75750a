import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { cycles, folderGraph, importGraph } from '../helpers/imports.js';

/**
 * The layering of docs/ARCHITECTURE.md, checked on the sources: layers import downward only,
 * nothing imports the CLI, and there is no import circle between files or between folders.
 * A new top-level folder under src/ must be given its layer here.
 */
const LAYER: Record<string, number> = {
  cli: 0,
  runner: 1,
  report: 1,
  train: 2,
  models: 3,
  regularizers: 3,
  metrics: 3,
  backend: 4,
  config: 5,
  data: 5,
  results: 5,
  rng: 5,
  errors: 5,
  // The TensorFlow.js API ('@tensorflow/tfjs'): below every layer, imports only @tensorflow packages.
  tf: 6,
};

const SRC = join(packageRoot(), 'src');
// AssemblyScript sources compile separately (npm run build:simd) and import only each other.
const graph = importGraph(SRC, (f) => f.startsWith('backend/wasm/assembly/'));
const top = (f: string) => f.split('/')[0];

test('every folder under src/ has a layer', () => {
  const folders = [...new Set([...graph.keys()].map(top))].sort();
  assert.ok(folders.length >= 10, `found ${folders.join(', ')}`);
  assert.deepEqual(folders.filter((f) => !(f in LAYER)), []);
});

test('every relative import resolves to a source file', () => {
  const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => d.endsWith('.ts') && !graph.has(d)).map((d) => `${f} -> ${d}`));
  assert.deepEqual(missing, []);
});

test('layers import downward only, and nothing below cli/ imports cli/', () => {
  const upward: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      if (!(top(d) in LAYER) || top(d) === top(f)) continue;
      if (top(d) === 'cli' || LAYER[top(d)] < LAYER[top(f)]) upward.push(`${f} -> ${d}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import circle between files', () => {
  assert.deepEqual(cycles(graph), []);
});

test('no import circle between folders', () => {
  assert.deepEqual(cycles(folderGraph(graph)), []);
});
