// Bundles vega, vega-lite and vega-embed (the versions in package-lock.json) into one minified
// browser script that gc-report inlines once into report.html, so the page works offline.
// Usage: node scripts/bundle-vega.mjs <out.js>
import { build } from 'esbuild';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/bundle-vega.mjs <out.js>');
  process.exit(2);
}
await build({
  stdin: {
    contents: "import * as vega from 'vega'; import * as vegaLite from 'vega-lite'; import vegaEmbed from 'vega-embed';" +
      'globalThis.vega = vega; globalThis.vegaLite = vegaLite; globalThis.vegaEmbed = vegaEmbed;',
    resolveDir: process.cwd(),
    loader: 'js',
  },
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  legalComments: 'none',
  outfile: out,
  logLevel: 'warning',
});
