import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../../src/results/record.js';
import { METRICS_BASE_COLUMNS } from '../../src/results/run-folder.js';
import { NEURAL_COLLAPSE_COLUMNS, SPECTRAL_COLUMNS, STEP_SIZE_COLUMNS } from '../../src/results/columns.js';

/**
 * The docs match the tree: every path docs/ARCHITECTURE.md names exists and every folder under
 * src/ is named there (the path convention is stated at the top of ARCHITECTURE.md), the
 * metrics.csv column table lists exactly the columns the code writes, the README stays short,
 * and every relative link in README.md and docs/*.md resolves (file and #anchor).
 */

const ROOT = packageRoot();
const SRC = join(ROOT, 'src');
const ARCH_FILE = join(ROOT, 'docs', 'ARCHITECTURE.md');
const README_MAX_BYTES = 12_288;

/** The body of the first fenced code block after the heading `heading`. */
export function blockAfter(md: string, heading: string): string {
  const at = md.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`no heading '${heading}'`);
  const open = md.indexOf('\n```', at);
  const close = md.indexOf('\n```', open + 4);
  if (open < 0 || close < 0) throw new Error(`no code block after '${heading}'`);
  return md.slice(md.indexOf('\n', open + 1) + 1, close);
}

/**
 * Paths of the tree block, relative to the repository root: a column-0 line names a folder or
 * file; a line indented by exactly two spaces names comma-separated entries of the last column-0
 * folder (up to the first run of two spaces); deeper lines continue a description.
 */
export function treePaths(block: string): string[] {
  const out: string[] = [];
  let folder = '';
  for (const line of block.split('\n')) {
    if (line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    if (indent > 2) continue;
    const names = line.trim().split(/ {2,}/)[0].split(',').map((s) => s.trim()).filter(Boolean);
    if (indent === 0) {
      folder = names[0];
      out.push(folder);
    } else {
      for (const n of names) out.push(folder.replace(/\/?$/, '/') + n);
    }
  }
  return out;
}

/** Paths named in prose: backticked tokens with a '/' (no placeholders or globs), and bare src/… paths. */
export function prosePaths(md: string): string[] {
  const text = md.replace(/\n```[\s\S]*?\n```/g, '\n');
  const out = new Set<string>();
  for (const [, tok] of text.matchAll(/`([^`\n]+)`/g)) {
    if (/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/[A-Za-z0-9_.-]*$/.test(tok) && !tok.startsWith('.')) out.add(tok);
  }
  for (const [p] of text.matchAll(/(?<![\w/.-])src\/[A-Za-z0-9_./-]*[A-Za-z0-9_/]/g)) out.add(p);
  return [...out];
}

/** A prose path exists relative to src/ or to the repository root. */
function proseExists(p: string): boolean {
  return existsSync(join(SRC, p)) || existsSync(join(ROOT, p));
}

function srcFolders(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const full = join(dir, e.name);
    out.push(relative(ROOT, full) + '/', ...srcFolders(full));
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-', repeats numbered. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = md.replace(/\n```[\s\S]*?\n```/g, '\n');
  for (const [, h] of text.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const plain = h.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = plain.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

/** Relative link targets of a markdown file (links and images), outside code. */
export function relativeLinks(md: string): string[] {
  const text = md.replace(/\n```[\s\S]*?\n```/g, '\n').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

test('tree and prose parsers follow the convention stated in ARCHITECTURE.md', () => {
  const block = 'src/cli/          commands\n  a.ts, b.ts      two files\n                    more words: c.ts\nbench/            x\n  run.ts\n';
  assert.deepEqual(treePaths(block), ['src/cli/', 'src/cli/a.ts', 'src/cli/b.ts', 'bench/', 'bench/run.ts']);
  assert.deepEqual(
    prosePaths('see `runner/run-one.ts`, `<run-id>/x`, `a.b`, `model/`, `bench/kernels/` and src/results/fs-safe.ts.\n```\nsrc/not-me.ts\n```\n').sort(),
    ['bench/kernels/', 'model/', 'runner/run-one.ts', 'src/results/fs-safe.ts'].sort(),
  );
  assert.ok(anchors('# A\n## metrics.csv columns\n## Overrides: Hydra\'s grammar\n').has('overrides-hydras-grammar'));
  assert.ok(anchors('## metrics.csv columns\n').has('metricscsv-columns'));
  assert.deepEqual(relativeLinks('[a](b.md#c) ![i](x.png) [w](https://e.org) `[n](no.md)`'), ['b.md#c', 'x.png']);
});

test('every path in ARCHITECTURE.md\'s tree exists, and every folder under src/ is in it', () => {
  const md = readFileSync(ARCH_FILE, 'utf8');
  const paths = treePaths(blockAfter(md, '## The tree'));
  assert.ok(paths.length > 100, `the tree names only ${paths.length} paths`);
  const missing = paths.filter((p) => !existsSync(join(ROOT, p)) || (p.endsWith('/') && !statSync(join(ROOT, p)).isDirectory()));
  assert.deepEqual(missing, [], 'named in the tree of docs/ARCHITECTURE.md but not in the repository');
  const named = new Set(paths.filter((p) => p.endsWith('/')));
  const unnamed = srcFolders().filter((f) => !named.has(f));
  assert.deepEqual(unnamed, [], 'folders under src/ without a column-0 line in the tree of docs/ARCHITECTURE.md');
});

test('every path ARCHITECTURE.md names in its prose exists (relative to src/ or the repository root)', () => {
  const md = readFileSync(ARCH_FILE, 'utf8');
  const paths = prosePaths(md);
  assert.ok(paths.length > 20, `found only ${paths.length} paths in the prose`);
  assert.deepEqual(paths.filter((p) => !proseExists(p)), [], 'named in docs/ARCHITECTURE.md but not in the repository');
});

test('the metrics.csv column table of ARCHITECTURE.md lists exactly the columns the code writes', () => {
  const md = readFileSync(ARCH_FILE, 'utf8');
  const section = md.slice(md.indexOf('\n## metrics.csv columns\n'), md.indexOf('\n## ', md.indexOf('\n## metrics.csv columns\n') + 5));
  const inTable = [...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
  // Penalty columns are declared by each regulariser's term (column: '...').
  const penalties = readdirSync(join(SRC, 'regularizers'))
    .flatMap((f) => [...readFileSync(join(SRC, 'regularizers', f), 'utf8').matchAll(/column: '([a-z0-9_]+)'/g)].map((m) => m[1]));
  const code = [...METRICS_BASE_COLUMNS, ...penalties, ...SPECTRAL_COLUMNS, ...NEURAL_COLLAPSE_COLUMNS, ...STEP_SIZE_COLUMNS];
  assert.equal(penalties.length, 4, `penalty columns found: ${penalties.join(', ')}`);
  assert.deepEqual([...inTable].sort(), [...code].sort());
  // The CSV sample's header is in file order.
  const header = section.split('\n').find((l) => l.startsWith('epoch,step,'));
  assert.ok(header, 'the section has a metrics.csv sample');
  assert.deepEqual(header.split(','), [...METRICS_BASE_COLUMNS, 'l2_penalty', 'spectral_penalty', 'flatness_penalty', 'gc_penalty', ...SPECTRAL_COLUMNS]);
});

test(`README.md is at most ${README_MAX_BYTES} bytes`, () => {
  const size = statSync(join(ROOT, 'README.md')).size;
  assert.ok(size <= README_MAX_BYTES, `README.md is ${size} bytes; move detail to docs/`);
});

test('every relative link in README.md and docs/*.md resolves to a file (and its #anchor)', () => {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const broken: string[] = [];
  for (const f of files) {
    const md = readFileSync(join(ROOT, f), 'utf8');
    for (const link of relativeLinks(md)) {
      const [path, anchor] = link.split('#');
      const target = path === '' ? join(ROOT, f) : resolve(dirname(join(ROOT, f)), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${f}: ${link} (no such file)`);
      } else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${f}: ${link} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
