/**
 * The dot paths the experiment schema accepts, read off the zod schema itself (so they cannot
 * drift from it), and the nearest one to a misspelt key, for "did you mean" hints.
 */
import type { z } from 'zod';
import { ExperimentConfigSchema } from './schema.js';
import { nearestName } from './nearest.js';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Paths under `prefix` (a record, e.g. sweep.grid, accepts any key below it: listed as `prefix.*`). */
function walk(schema: z.ZodType, prefix: string, out: Set<string>): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        walk(v, p, out);
      }
      return;
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return walk(def.innerType!, prefix, out);
    case 'pipe':
      return walk(def.in!, prefix, out);
    case 'union':
      // Discriminated unions (model.arch, optimizer.name): the keys of every member.
      for (const o of def.options ?? []) walk(o, prefix, out);
      return;
    case 'record':
      out.add(`${prefix}.*`);
      return;
    default:
      return; // a leaf: number, string, enum, array, ...
  }
}

let cached: string[] | undefined;

/** Every dot path of the experiment schema (model keys of all archs), sorted; records end in `.*`. */
export function schemaKeys(): string[] {
  if (!cached) {
    const out = new Set<string>();
    walk(ExperimentConfigSchema, '', out);
    cached = [...out].sort();
  }
  return cached;
}

/** Whether `path` names a schema key or a block of them (`gc`), or lies below a record (`sweep.grid.x`). */
export function isSchemaPath(path: string): boolean {
  return schemaKeys().some((k) => k === path || k.startsWith(`${path}.`) || (k.endsWith('.*') && path.startsWith(k.slice(0, -1))));
}

/**
 * The schema key nearest to a misspelt `path` (edit distance over the whole dot path, at most a
 * third of its length, at least 2), or undefined when nothing is close.
 */
export function nearestSchemaKey(path: string): string | undefined {
  return nearestName(path, schemaKeys().filter((k) => !k.endsWith('.*')));
}

/** "unknown key (not part of the config schema)", with "; did you mean X?" when one is near. */
export function unknownKeyMessage(path: string): string {
  const near = nearestSchemaKey(path);
  return `unknown key (not part of the config schema${near ? `; did you mean ${near}?` : ''})`;
}
