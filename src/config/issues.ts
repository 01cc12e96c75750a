import type { z } from 'zod';
import { unknownKeyMessage } from './schema-keys.js';

/** A validation problem at a dot path (e.g. `optimizer.lr`, `sweep.grid.optimizer.lr[1]`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Formats a path array as a dot path with [i] for array indices. */
export function dotPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function valueAt(root: unknown, parts: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/**
 * Turns zod issues into dot-path issues with "expected …, received …" wording. Unknown keys get
 * one issue per key, at the key's own path, so a typo is pointed at exactly, with the nearest
 * schema key when one is close ("did you mean optimizer.lr?").
 */
export function fromZod(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const parts = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = dotPath([...parts, key]);
        out.push({ path, message: unknownKeyMessage(path) });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue) {
      out.push({ path: dotPath(parts), message: issue.message });
      continue;
    }
    const received = valueAt(input, issue.path);
    const msg = issue.message.startsWith('Invalid input')
      ? issue.message.replace(/^Invalid input: /, '')
      : `${issue.message} (received ${describe(received)})`;
    out.push({ path: dotPath(parts), message: msg });
  }
  return out;
}
