import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';

/**
 * The import graph of a TypeScript source tree, read from the text (no compiler): every relative
 * specifier of `import … from`, `export … from`, `import '…'`, `import('…')` and
 * `new URL('…', import.meta.url)` (how the pool names its worker file). Type-only imports count:
 * a circle of types is still a circle for a reader. Paths are relative to `root`, with `.ts`.
 */
export function importGraph(root: string, skip: (file: string) => boolean = () => false): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts') && !f.endsWith('.d.ts')) files.push(relative(root, p).split('\\').join('/'));
    }
  };
  walk(root);
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])(\.\.?\/[^'"]+)\1/g;
  const graph = new Map<string, string[]>();
  for (const file of files.filter((f) => !skip(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(re)) {
      const target = posix.normalize(posix.join(posix.dirname(file), m[2]));
      deps.add(target.replace(/\.js$/, '.ts'));
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/** Every elementary circle's representative: one cycle per strongly connected component (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** The graph between top-level folders (`cli/gc-run.ts` → `cli`), self-edges dropped. */
export function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const top = (f: string) => f.split('/')[0];
  const out = new Map<string, Set<string>>();
  for (const [f, deps] of graph) {
    const s = out.get(top(f)) ?? out.set(top(f), new Set()).get(top(f))!;
    for (const d of deps) if (top(d) !== top(f)) s.add(top(d));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

