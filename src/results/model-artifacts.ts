/**
 * Checks of a saved model's files before tfjs sees them (model.json and the weight files its
 * manifest names). A damaged, foreign or hostile model folder is one DataError line (exit 2)
 * naming the file and what was expected, never a stack trace, never a read outside the folder,
 * never weights that silently do not fit the manifest, never NaN measured as if it were a model.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type * as tf from '#tf';
import { DataError } from '../errors/errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes per element of a manifest entry as stored (quantized entries store their quantized type). */
function bytesPerElement(w: tf.io.WeightsManifestEntry): number | undefined {
  if (w.quantization) return { uint8: 1, uint16: 2, float16: 2 }[w.quantization.dtype as string];
  return ({ float32: 4, int32: 4, bool: 1 } as Record<string, number>)[w.dtype];
}

/**
 * Parses model.json text (`file` names it in messages): a JSON object with an object
 * `modelTopology` and a `weightsManifest` of groups { paths: string[], weights: entries }, each
 * entry a name, an integer shape and a dtype this reader can size. Throws DataError otherwise.
 */
export function parseModelJson(text: string, file: string): tf.io.ModelJSON {
  if (text.trim() === '') throw new DataError(`${file}: empty file (expected a TensorFlow.js layers model.json)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${file}: not valid JSON, truncated or damaged (${(err as Error).message})`);
  }
  if (!isObject(json) || !isObject(json.modelTopology) || !Array.isArray(json.weightsManifest)) {
    throw new DataError(`${file}: not a TensorFlow.js layers model (expected an object with modelTopology and weightsManifest)`);
  }
  json.weightsManifest.forEach((group: unknown, g: number) => {
    const at = `${file}: weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights) || !group.paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new DataError(`${at}: expected { paths: [file names], weights: [entries] }`);
    }
    group.weights.forEach((w: unknown, i: number) => {
      const ok =
        isObject(w) &&
        typeof w.name === 'string' &&
        Array.isArray(w.shape) &&
        w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
        bytesPerElement(w as unknown as tf.io.WeightsManifestEntry) !== undefined;
      if (!ok) throw new DataError(`${at}.weights[${i}]: expected { name, shape: [non-negative integers], dtype: float32, int32 or bool }`);
    });
  });
  return json as unknown as tf.io.ModelJSON;
}

/**
 * The absolute path of manifest entry `p` inside `dir`. A path that leaves the folder (absolute,
 * or `..` segments reaching above it) is refused: a model folder must not make gc-run read
 * arbitrary files.
 */
export function weightsPathIn(dir: string, p: string, file: string): string {
  const abs = resolve(dir, p);
  const rel = relative(resolve(dir), abs);
  if (isAbsolute(p) || rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new DataError(`${file}: weightsManifest path '${p}' is outside the model folder (expected a file name inside ${dir})`);
  }
  return abs;
}

async function readWeightsFile(path: string, file: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${path}: weights file named by ${file} is missing`);
    if (code === 'EISDIR') throw new DataError(`${path}: weights file named by ${file} is a folder`);
    throw new DataError(`${path}: cannot read the weights file named by ${file} (${code ?? (err as Error).message})`);
  }
}

/**
 * Reads the weight files of `manifest` (paths relative to `dir`), checks that each group's files
 * hold exactly the bytes its entries need and that every float32 weight is finite, and returns
 * the entries and the joined bytes in manifest order (what tfjs' loader expects).
 */
export async function readCheckedWeights(manifest: tf.io.WeightsManifestConfig, dir: string, file: string): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    const paths = group.paths.map((p) => weightsPathIn(dir, p, file));
    const parts: Buffer[] = [];
    for (const p of paths) parts.push(await readWeightsFile(p, file));
    const have = parts.reduce((s, b) => s + b.byteLength, 0);
    const need = group.weights.reduce((s, w) => s + w.shape.reduce((a, d) => a * d, 1) * bytesPerElement(w)!, 0);
    const where = paths.length === 1 ? paths[0] : `${paths[0]} (+${paths.length - 1} more)`;
    if (have !== need) {
      throw new DataError(`${where}: holds ${have} bytes, but the ${group.weights.length} weights ${file} lists need ${need} (truncated, damaged, or another model's weights)`);
    }
    const bytes = new Uint8Array(have);
    let at = 0;
    for (const b of parts) {
      bytes.set(b, at);
      at += b.byteLength;
    }
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, d) => a * d, 1);
      const size = n * bytesPerElement(w)!;
      if (!w.quantization && w.dtype === 'float32') {
        const view = new DataView(bytes.buffer, off, size);
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(view.getFloat32(4 * i, true))) {
            throw new DataError(`${where}: the model's weights are not finite (${w.name} holds NaN or ±Infinity)`);
          }
        }
      }
      off += size;
    }
    specs.push(...group.weights);
    buffers.push(bytes.buffer);
  }
  const total = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    total.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return [specs, total.buffer];
}

/** Reads model.json at `file` as text; a missing or unreadable file is a DataError. */
export async function readModelJson(file: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${file}: cannot read the model (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`);
  }
  return parseModelJson(text, file);
}
