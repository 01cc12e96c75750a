import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { packageRoot } from '../../src/results/record.js';

/**
 * What the compiled CLI imports is installed by `npm ci --omit=dev` and by a global install of
 * the tarball: every package src/ names is a dependency (or an optional / optional-peer one for
 * the GPU backends), never only a dev dependency; and nothing imports the @tensorflow/tfjs
 * umbrella (a merged branch that does: `node scripts/rewrite-tf-imports.mjs`).
 */

const ROOT = packageRoot();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'assembly' ? [] : tsFiles(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// Static imports and re-exports, import('x'), and the optional packages resolved by name.
const SPEC = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|resolveOptional\(\s*|importOptional\(\s*)['"]([^'"]+)['"]/g;
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

function importedPackages(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of tsFiles(dir)) {
    for (const m of readFileSync(f, 'utf8').matchAll(SPEC)) {
      const spec = m[1];
      if (spec.startsWith('.') || spec.startsWith('#') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      if (!out.has(packageOf(spec))) out.set(packageOf(spec), relative(ROOT, f));
    }
  }
  return out;
}

test('every package src/ imports is a runtime dependency (optional ones for GPU backends), none only a dev dependency', () => {
  const runtime = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const imported = importedPackages(join(ROOT, 'src'));
  assert.ok(imported.has('@tensorflow/tfjs-core') && imported.has('zod'), [...imported.keys()].join(', '));
  // The tfjs-node backends are named in GPU_PACKAGES rather than imported literally.
  for (const p of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu']) assert.ok(runtime.has(p), `${p} is declared`);
  const missing = [...imported].filter(([p]) => p !== 'gc-run' && !runtime.has(p)).map(([p, f]) => `${p} (imported by ${f})`);
  assert.deepEqual(missing, []);
});

test('nothing imports the @tensorflow/tfjs umbrella (re-apply: node scripts/rewrite-tf-imports.mjs)', () => {
  const offenders = ['src', 'test', 'bench'].flatMap((d) =>
    tsFiles(join(ROOT, d)).filter((f) => [...readFileSync(f, 'utf8').matchAll(SPEC)].some((m) => m[1] === '@tensorflow/tfjs')).map((f) => relative(ROOT, f)),
  );
  assert.deepEqual(offenders, []);
  assert.equal(pkg.dependencies?.['@tensorflow/tfjs'], undefined, 'the umbrella is not a dependency');
});
