import { createHash } from 'node:crypto';
import { ConfigError } from '../errors/errors.js';
import { withoutDefaults } from './defaults.js';
import { fromZod, type ConfigIssue } from './issues.js';
import { nearestSchemaKey } from './schema-keys.js';
import { EXPERIMENT_LEVEL_KEYS, MAX_SWEEP_RUNS, RunConfigSchema, type ExperimentConfig, type RunConfig } from './schema.js';

/** One planned run of a sweep. */
export interface PlannedRun {
  /** Stable id: readable swept values, seed and a hash of the resolved config. */
  id: string;
  /** The hash of the resolved config (runHash; the id's last part), run.json's config_hash. */
  hash: string;
  /** Position in the sweep's deterministic order (0-based). */
  index: number;
  seed: number;
  /** Swept key → value for this run (empty for a single run). */
  swept: Record<string, unknown>;
  config: RunConfig;
}

/** JSON with object keys sorted, so hashes do not depend on key order in the YAML. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

function hasPath(obj: unknown, path: string): boolean {
  let cur = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[p];
  }
  return true;
}

/**
 * Whether `path` names a key of the config: present in it, or an optional key the schema knows
 * (e.g. model.width), i.e. setting it to `value` raises no unknown-key issue.
 */
function isConfigKey(base: object, path: string, value: unknown): boolean {
  if (hasPath(base, path)) return true;
  const raw = structuredClone(base) as Record<string, unknown>;
  setPath(raw, path, structuredClone(value));
  const parsed = RunConfigSchema.safeParse(raw);
  return parsed.success || !parsed.error.issues.some((i) => i.code === 'unrecognized_keys');
}

function formatValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[^A-Za-z0-9.+-]+/g, '_');
}

/** Short readable label: last segment of each swept key with its value. */
function label(swept: Record<string, unknown>, shorten = false): string {
  return Object.keys(swept)
    .map((k) => `${k.split('.').pop()}=${shorten ? shortValue(formatValue(swept[k])) : formatValue(swept[k])}`)
    .join(',');
}

/** Longest run id: it names a folder (file systems allow 255 bytes), with room for gc-run's temp names. */
export const MAX_RUN_ID_LENGTH = 200;

/** A long value's start and a hash of all of it (the id stays unique: the config hash ends it anyway). */
function shortValue(v: string): string {
  return v.length <= 24 ? v : `${v.slice(0, 12)}~${createHash('sha256').update(v).digest('hex').slice(0, 8)}`;
}

/**
 * Run id: readable swept values, seed and the config hash. Ids over MAX_RUN_ID_LENGTH (long grid
 * values) shorten each long value to its start + a hash of it, then cut the label; ids within
 * the limit are unchanged, so existing run folders keep their names.
 */
export function runId(swept: Record<string, unknown>, seed: number, hash: string): string {
  const tail = `s${seed}-${hash}`;
  let lbl = label(swept);
  if (lbl.length + tail.length + 1 > MAX_RUN_ID_LENGTH) {
    lbl = label(swept, true);
    const room = MAX_RUN_ID_LENGTH - tail.length - 1;
    if (lbl.length > room) lbl = lbl.slice(0, room);
  }
  return `${lbl ? `${lbl}-` : ''}${tail}`;
}

/** Hash of the parts of a run config that change its numbers (not where results go). */
export function runHash(config: RunConfig): string {
  const { output_dir: _o, backend: _b, report: _r, logging: _l, ...rest } = withoutDefaults(RunConfigSchema, config);
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 8);
}

function cartesian(keys: string[], grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const key of keys) {
    const next: Record<string, unknown>[] = [];
    for (const c of combos) for (const v of grid[key]) next.push({ ...c, [key]: v });
    combos = next;
  }
  return combos;
}

/**
 * Expands a validated experiment config into runs. Order: seeds outermost (so a partially
 * finished sweep already covers every knob value for the first seed), then grid keys in sorted
 * order, values in listed order. Every run config is re-validated; a bad grid value is reported
 * at `sweep.grid.<key>[i]`.
 */
export function expandSweep(exp: ExperimentConfig, file: string): PlannedRun[] {
  const { sweep, ...base } = exp;
  const grid = (sweep?.grid ?? {}) as Record<string, unknown[]>;
  const seeds = sweep?.seeds ?? [base.seed];
  const keys = Object.keys(grid).sort();
  const issues: ConfigIssue[] = [];
  for (const key of keys) {
    if (key === 'seed') issues.push({ path: 'sweep.grid.seed', message: 'sweep seeds with sweep.seeds, not the grid' });
    else if (key === 'sweep' || key.startsWith('sweep.')) issues.push({ path: `sweep.grid.${key}`, message: 'the sweep block cannot be swept' });
    else if ((EXPERIMENT_LEVEL_KEYS as readonly string[]).some((k) => key === k || key.startsWith(`${k}.`))) {
      issues.push({
        path: `sweep.grid.${key}`,
        message: `'${key.split('.')[0]}' is one per experiment (all its runs share it) and cannot be swept: set it at the top level, or make one experiment per value`,
      });
    }
    else if (!isConfigKey(base, key, grid[key][0])) {
      const near = nearestSchemaKey(key);
      issues.push({ path: `sweep.grid.${key}`, message: `not a config key (${near && near !== key ? `did you mean ${near}? ` : ''}check the spelling and the model arch)` });
    }
  }
  if (issues.length) throw new ConfigError(file, issues);
  const count = keys.reduce((n, k) => n * grid[k].length, seeds.length);
  if (count > MAX_SWEEP_RUNS) {
    const sizes = [`${seeds.length} seed(s)`, ...keys.map((k) => `${grid[k].length} ${k}`)].join(' x ');
    throw new ConfigError(file, [
      { path: 'sweep', message: `${sizes} = ${count} runs, over the limit of ${MAX_SWEEP_RUNS} runs per sweep: use fewer values or split the experiment` },
    ]);
  }

  const runs: PlannedRun[] = [];
  const seen = new Map<string, number>();
  // Position in the sweep order, counting every combination (also skipped ones), for messages.
  let position = -1;
  for (const seed of seeds) {
    for (const swept of cartesian(keys, grid)) {
      position++;
      const raw = structuredClone(base) as Record<string, unknown>;
      raw.seed = seed;
      for (const k of keys) setPath(raw, k, structuredClone(swept[k]));
      const parsed = RunConfigSchema.safeParse(raw);
      if (!parsed.success) {
        for (const iss of fromZod(parsed.error, raw)) {
          const key = keys.find((k) => iss.path === k || iss.path.startsWith(`${k}.`) || iss.path.startsWith(`${k}[`));
          const at = key ? `sweep.grid.${key}[${grid[key].indexOf(swept[key])}]${iss.path.slice(key.length)}` : iss.path;
          if (!issues.some((i) => i.path === at)) issues.push({ path: at, message: iss.message });
        }
        continue;
      }
      const config = parsed.data;
      const hash = runHash(config);
      const id = runId(swept, seed, hash);
      if (seen.has(id)) {
        issues.push({ path: 'sweep', message: `runs ${seen.get(id)} and ${position} (0-based, in sweep order) are identical (duplicate values in the grid or seeds)` });
        continue;
      }
      seen.set(id, position);
      runs.push({ id, hash, index: runs.length, seed, swept, config });
    }
  }
  if (issues.length) throw new ConfigError(file, issues);
  return runs;
}
