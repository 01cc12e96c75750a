import { parseDocument } from 'yaml';
import { ConfigError, UsageError } from '../errors/errors.js';
import type { ConfigIssue } from './issues.js';
import { MAX_YAML_ALIASES } from './load.js';

/** One `--set key.path=value` override. */
export interface Override {
  /** The argument as given, for messages. */
  arg: string;
  /** Object path; `sweep.grid.<key>` keeps the (dotted) grid key whole: ['sweep', 'grid', 'optimizer.lr']. */
  path: string[];
  /** The new value; UNSET removes the key (so an optional key is absent, a defaulted one takes its default). */
  value: unknown;
}

/** Value of an override that removes its key: `--set key=null` or Hydra's `--set ~key`. */
export const UNSET: unique symbol = Symbol('unset');

/**
 * Parses `key.path=value`: the value is YAML, so `0.1`, `[0.01, 0.1]`, `true`, `{a: 1}` arrive
 * typed. Everything after `sweep.grid.` is one grid key (grid keys contain dots). `key=null`
 * and Hydra's `~key` (or `~key=anything`) unset the key.
 */
export function parseOverride(arg: string): Override {
  const remove = arg.startsWith('~');
  const body = remove ? arg.slice(1) : arg;
  const eq = body.indexOf('=');
  const key = (remove ? (eq >= 0 ? body.slice(0, eq) : body) : eq > 0 ? body.slice(0, eq) : '').trim();
  if (!key) throw new UsageError(`--set ${arg}: expected key.path=value or ~key.path (e.g. --set optimizer.lr=0.1)`);
  const path = key.startsWith('sweep.grid.') ? ['sweep', 'grid', key.slice('sweep.grid.'.length)] : key.split('.');
  if (path.some((p) => p.length === 0)) throw new UsageError(`--set ${arg}: empty segment in key '${key}'`);
  if (remove) return { arg, path, value: UNSET };
  const doc = parseDocument(body.slice(eq + 1));
  if (doc.errors.length) {
    throw new UsageError(`--set ${arg}: value is not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    throw new UsageError(`--set ${arg}: YAML aliases expand too far (${(err as Error).message})`);
  }
  return { arg, path, value: value === null ? UNSET : value };
}

/**
 * Applies overrides, in order, to a raw (unvalidated) config object, creating missing mappings.
 * Setting below a non-mapping value is a UsageError naming the --set.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: Override[]): Record<string, unknown> {
  const out = structuredClone(raw);
  outer: for (const o of overrides) {
    let cur: Record<string, unknown> = out;
    for (const [i, p] of o.path.slice(0, -1).entries()) {
      const next = cur[p];
      if (next === undefined || next === null) {
        if (o.value === UNSET) continue outer; // nothing there to unset
        cur[p] = {};
      } else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new UsageError(`--set ${o.arg}: '${o.path.slice(0, i + 1).join('.')}' is not a mapping, cannot set a key below it`);
      }
      cur = cur[p] as Record<string, unknown>;
    }
    if (o.value === UNSET) delete cur[o.path[o.path.length - 1]];
    else cur[o.path[o.path.length - 1]] = o.value;
  }
  return out;
}

function dotted(o: Override): string {
  return o.path.join('.');
}

/**
 * Re-labels validation errors caused by overrides: an issue at or below an overridden path
 * (or, for a grid key, at `sweep.grid.<key>[i]`) says which --set it came from.
 */
export function attributeOverrides(err: ConfigError, overrides: Override[]): ConfigError {
  if (!overrides.length) return err;
  let touched = false;
  const issues: ConfigIssue[] = err.issues.map((iss) => {
    // The last --set of a path wins, so blame the last matching one.
    const o = [...overrides].reverse().find((ov) => {
      const p = dotted(ov);
      return iss.path === p || iss.path.startsWith(`${p}.`) || iss.path.startsWith(`${p}[`);
    });
    if (!o) return iss;
    touched = true;
    const why = o.value === UNSET ? `required, unset by --set ${o.arg}` : `from --set ${o.arg}`;
    return { path: iss.path, message: `${iss.message} (${why})` };
  });
  return touched ? new ConfigError(`${err.file} with --set overrides`, issues) : err;
}
