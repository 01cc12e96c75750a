import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, UsageError } from '../errors/errors.js';
import { fromZod } from './issues.js';
import { ExperimentConfigSchema, type ExperimentConfig } from './schema.js';

/** Alias expansions a config may use (the yaml package's guard against "billion laughs" documents). */
export const MAX_YAML_ALIASES = 100;

/** Parses YAML text into a plain object; syntax errors become ConfigError with line:col. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: `malformed YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // yaml throws a ReferenceError for alias expansion beyond maxAliasCount ("billion laughs").
    throw new ConfigError(file, [{ path: '', message: `YAML aliases expand too far (${(err as Error).message}); write the values out` }]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, [{ path: '', message: 'expected a YAML mapping at the top level' }]);
  }
  return value;
}

/** Validates a raw object against the experiment schema. */
export function validateExperiment(raw: unknown, file: string): ExperimentConfig {
  const parsed = ExperimentConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, fromZod(parsed.error, raw));
  return parsed.data;
}

/** Reads and parses a config file into its raw (unvalidated) object. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseYaml(text, file);
}
