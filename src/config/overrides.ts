import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { ConfigError, UsageError } from '../errors/errors.js';
import type { ConfigIssue } from './issues.js';
import { MAX_YAML_ALIASES } from './load.js';
import { isCommaList, sweepValues } from './multirun.js';
import { isSchemaPath, unknownKeyMessage } from './schema-keys.js';

/**
 * What an override does, in Hydra's grammar: `key=v` sets (any schema key), `+key=v` adds a key
 * the config does not set (error if it does), `++key=v` sets it either way, `~key` removes a key
 * the config sets (`~key=v`: only if its value is v).
 */
export type OverrideOp = 'set' | 'add' | 'force' | 'remove';

/** One override: `--set key.path=value` or a positional `key.path=value` after the config. */
export interface Override {
  /** The argument as given, for messages. */
  arg: string;
  /** How it was given: '--set', or '' for a positional override. */
  label: string;
  op: OverrideOp;
  /** The config key it names, dotted (for a -m sweep: the swept key, not sweep.grid...). */
  key: string;
  /** Object path written; `sweep.grid.<key>` keeps the (dotted) grid key whole: ['sweep', 'grid', 'optimizer.lr']. */
  path: string[];
  /** The new value; UNSET removes the key (so an optional key is absent, a defaulted one takes its default). */
  value: unknown;
  /** `~key=v`: the value the key must have to be removed. */
  expected?: unknown;
  /** Without -m, the value was a comma list (`lr=0.1,0.3`): messages suggest -m. */
  commaList?: boolean;
}

/** Value of an override that removes its key: `--set key=null` or Hydra's `~key`. */
export const UNSET: unique symbol = Symbol('unset');

/** `--set X` or, for a positional override, `X`: how messages name an override. */
export function shown(o: Pick<Override, 'arg' | 'label'>): string {
  return o.label ? `${o.label} ${o.arg}` : o.arg;
}

function parseYamlValue(text: string, where: string, key: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new UsageError(
      `${where}: value is not valid YAML (${doc.errors[0].message.split('\n')[0]}); write the value as YAML, ` +
        `e.g. ${key}=[0.01,0.1] for a list or ${key}='"text"' for a string, in single quotes for the shell`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    throw new UsageError(`${where}: YAML aliases expand too far (${(err as Error).message})`);
  }
}

const keyPath = (key: string) => (key.startsWith('sweep.grid.') ? ['sweep', 'grid', key.slice('sweep.grid.'.length)] : key.split('.'));

/**
 * Parses one override: `key.path=value` (the value is YAML, so `0.1`, `[0.01, 0.1]`, `true`,
 * `{a: 1}` arrive typed; `null` unsets), `+key=value`, `++key=value`, `~key` or `~key=value`.
 * Everything after `sweep.grid.` is one grid key (grid keys contain dots). With `multirun`
 * (`-m`), a value `a,b,c`, `range(0,3)` or `choice(a,b)` makes the key a sweep axis
 * (`sweep.grid.<key>`). `label` names the override in messages ('--set' or '' for positional).
 */
export function parseOverride(arg: string, opts: { label?: string; multirun?: boolean } = {}): Override {
  const label = opts.label ?? '--set';
  const where = shown({ arg, label });
  const op: OverrideOp = arg.startsWith('++') ? 'force' : arg.startsWith('+') ? 'add' : arg.startsWith('~') ? 'remove' : 'set';
  const body = arg.slice(op === 'force' ? 2 : op === 'set' ? 0 : 1);
  const eq = body.indexOf('=');
  const key = (eq >= 0 ? body.slice(0, eq) : op === 'remove' ? body : '').trim();
  if (!key) {
    throw new UsageError(`${where}: expected key.path=value, +key.path=value, ++key.path=value or ~key.path (e.g. ${label ? `${label} ` : ''}optimizer.lr=0.1)`);
  }
  const path = keyPath(key);
  if (path.some((p) => p.length === 0)) throw new UsageError(`${where}: empty segment in key '${key}'`);
  const base = { arg, label, op, key, path };
  if (op === 'remove') {
    return eq < 0 ? { ...base, value: UNSET } : { ...base, value: UNSET, expected: parseYamlValue(body.slice(eq + 1), where, key) };
  }
  const text = body.slice(eq + 1);
  if (opts.multirun) {
    let values: string[] | undefined;
    try {
      values = sweepValues(text);
    } catch (err) {
      throw new UsageError(`${where}: ${(err as Error).message}`);
    }
    if (values) {
      if (key.startsWith('sweep.')) throw new UsageError(`${where}: -m sweeps config keys; the sweep block itself cannot be a sweep axis`);
      return { ...base, path: ['sweep', 'grid', key], value: values.map((v) => parseYamlValue(v, where, key)) };
    }
  }
  const value = parseYamlValue(text, where, key);
  const commaList = !opts.multirun && typeof value === 'string' && isCommaList(text);
  return { ...base, value: value === null ? UNSET : value, ...(commaList ? { commaList } : {}) };
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

function lookup(raw: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * Every override names a schema key (or block, or a sweep.grid key, which sweep expansion
 * checks): an unknown one is a ConfigError with the nearest schema key, before anything is
 * applied, so `~train.stop_trian_acc` or `train.stop_trian_acc=null` is not a silent no-op.
 */
export function checkOverrideKeys(overrides: Override[], source: string): void {
  const issues: ConfigIssue[] = overrides
    .filter((o) => !isSchemaPath(o.key))
    .map((o) => ({ path: o.key, message: `${unknownKeyMessage(o.key)} (from ${shown(o)})` }));
  if (issues.length) throw new ConfigError(`${source} with overrides`, issues);
}

/**
 * Applies overrides, in order, to a raw (unvalidated) config object, creating missing mappings.
 * UsageError naming the override (and `source`, the config) for: setting below a non-mapping,
 * `+key` on a key the config already sets, `~key` on a key it does not set or (`~key=v`) whose
 * value is not v.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: Override[], source = 'the config'): Record<string, unknown> {
  const out = structuredClone(raw);
  outer: for (const o of overrides) {
    if (o.op === 'add') {
      const current = lookup(out, keyPath(o.key));
      if (current !== undefined) {
        const rest = o.arg.slice(1);
        throw new UsageError(`${shown(o)}: ${source} already sets ${o.key} (to ${show(current)}); + adds a key the config does not set: use ${rest} to change it, or +${o.arg} to set it either way`);
      }
    }
    let cur: Record<string, unknown> = out;
    for (const [i, p] of o.path.slice(0, -1).entries()) {
      const next = cur[p];
      if (next === undefined || next === null) {
        if (o.op === 'remove') break;
        if (o.value === UNSET) continue outer; // key=null: nothing there to unset
        cur[p] = {};
      } else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new UsageError(`${shown(o)}: '${o.path.slice(0, i + 1).join('.')}' is not a mapping, cannot set a key below it`);
      }
      cur = cur[p] as Record<string, unknown>;
    }
    const last = o.path[o.path.length - 1];
    if (o.op === 'remove') {
      const current = lookup(out, o.path);
      if (current === undefined) {
        throw new UsageError(`${shown(o)}: ${source} does not set ${o.key}, nothing to remove (~ removes a key the config sets; ${o.key}=VALUE sets it)`);
      }
      if ('expected' in o && !isDeepStrictEqual(current, o.expected)) {
        throw new UsageError(`${shown(o)}: ${o.key} is ${show(current)} in ${source}, not ${show(o.expected)}; nothing removed (~${o.key} removes it whatever its value)`);
      }
    }
    if (o.value === UNSET) delete cur[last];
    else cur[last] = o.value;
  }
  return out;
}

function dotted(o: Override): string {
  return o.path.join('.');
}

/**
 * Re-labels validation errors caused by overrides: an issue at or below an overridden path
 * (or, for a grid key, at `sweep.grid.<key>[i]`) says which override it came from.
 */
export function attributeOverrides(err: ConfigError, overrides: Override[]): ConfigError {
  if (!overrides.length) return err;
  let touched = false;
  const issues: ConfigIssue[] = err.issues.map((iss) => {
    // The last override of a path wins, so blame the last matching one.
    const o = [...overrides].reverse().find((ov) => {
      const p = dotted(ov);
      return iss.path === p || iss.path.startsWith(`${p}.`) || iss.path.startsWith(`${p}[`);
    });
    if (!o) return iss;
    touched = true;
    const sweep = o.commaList ? `; to sweep these values add -m (multirun): -m ${o.arg}` : '';
    const why = o.value === UNSET ? `required, unset by ${shown(o)}` : `from ${shown(o)}${sweep}`;
    return { path: iss.path, message: `${iss.message} (${why})` };
  });
  return touched ? new ConfigError(`${err.file} with overrides`, issues) : err;
}
