#!/usr/bin/env node
// npm's `prepare` (after `npm ci` / `npm install` in a clone): compile dist/ when the build tools
// (dev dependencies) are installed. Without them (`npm ci --omit=dev`) there is nothing to
// compile with: say so and succeed, instead of failing the install. `npm pack` builds in
// `prepack` (which, unlike this, fails loudly), so it is skipped here.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') process.exit(0);
const require = createRequire(import.meta.url);
const missing = ['assemblyscript/package.json', 'typescript/package.json', 'esbuild/package.json'].filter((m) => {
  try {
    require.resolve(m);
    return false;
  } catch {
    return true;
  }
});
if (missing.length) {
  console.error(
    `gc-run prepare: build tools not installed (${missing.map((m) => m.split('/')[0]).join(', ')}: dev dependencies), dist/ not built; ` +
      'run `npm ci` (with dev dependencies) to build, or install the packed tarball (npm pack), which ships dist/',
  );
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
