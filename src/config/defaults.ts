import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';

const OMIT = Symbol('omit');

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  discriminator?: string;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

function strip(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
      if (isDeepStrictEqual(value, def.defaultValue)) return OMIT;
      return strip(def.innerType!, value);
    case 'optional':
      return value === undefined ? OMIT : strip(def.innerType!, value);
    case 'object': {
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const field = def.shape![k];
        const r = field ? strip(field, v) : v;
        if (r !== OMIT) out[k] = r;
      }
      return out;
    }
    case 'union': {
      // Discriminated union: strip with the option whose discriminator matches.
      const key = def.discriminator;
      if (!key || value === null || typeof value !== 'object') return value;
      const tag = (value as Record<string, unknown>)[key];
      const option = def.options!.find((o) => {
        let lit = defOf(defOf(o).shape![key]) as Def & { values?: unknown[] };
        // A defaulted discriminator (optimizer.name: sgd) is a literal inside a default.
        if (lit.type === 'default') lit = defOf(lit.innerType!) as typeof lit;
        return lit.values?.includes(tag);
      });
      return option ? strip(option, value) : value;
    }
    default:
      return value;
  }
}

/**
 * The parts of a parsed config that differ from the schema's defaults. Run ids hash this, so
 * adding a new config key with a default does not rename every existing run (changing an
 * existing default's value, on the other hand, must be treated as a breaking change).
 */
export function withoutDefaults<T>(schema: z.ZodType<T>, value: T): Partial<T> {
  const r = strip(schema, value);
  return (r === OMIT ? {} : r) as Partial<T>;
}
