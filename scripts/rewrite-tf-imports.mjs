#!/usr/bin/env node
// Rewrites every import of the '@tensorflow/tfjs' umbrella in src/, test/ and bench/ to '#tf'
// (src/tf/index.ts: core + layers + cpu backend). Idempotent: re-run it after merging a branch
// that still imports the umbrella.  Usage: node scripts/rewrite-tf-imports.mjs
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const UMBRELLA = /(from\s+|import\s*\(\s*|import\s+)(['"])@tensorflow\/tfjs\2/g;
let changed = 0;
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name)) {
      const text = readFileSync(p, 'utf8');
      const out = text.replace(UMBRELLA, (_, lead, q) => `${lead}${q}#tf${q}`);
      if (out !== text) {
        writeFileSync(p, out);
        changed++;
      }
    }
  }
}
for (const d of ['src', 'test', 'bench']) walk(d);
console.log(`rewrite-tf-imports: ${changed} file(s) rewritten`);
