/**
 * The PyTorch reference (<repo>/../shared/reference/torch_bench.py), run in the same bench
 * invocation so ratios compare figures taken under the same machine load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/data/paths.js';
import { jsonLines, lastLine, runChild } from './child.js';
import type { ReferenceModel } from './reference-models.js';
import type { TorchResult } from './targets.js';

/** Debian's interpreter: PyTorch comes from the python3-torch package. */
export const PYTHON = '/usr/bin/python3';

/** Where torch_bench.py lives: beside the package root, in ../shared/reference/. */
export function torchScriptPath(): string {
  return resolve(join(packageRoot(), '..', 'shared', 'reference', 'torch_bench.py'));
}

/** torch.__version__, or why `import torch` fails. */
export function torchVersion(): { ok: true; version: string } | { ok: false; reason: string } {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found` };
  try {
    const v = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, version: v.trim() };
  } catch {
    return { ok: false, reason: 'PyTorch not installed (import torch failed; apt-get install -y python3-torch)' };
  }
}

interface TorchLine {
  model: ReferenceModel;
  blas?: string;
  threads?: number;
  train_examples_per_s: number;
  gc_256_s: number;
}

/** Runs torch_bench.py with one thread on `models`; never throws (a failure is a reason). */
export async function runTorchReference(models: ReferenceModel[], steps: number, timeoutMs: number): Promise<TorchResult> {
  const v = torchVersion();
  if (!v.ok) return v;
  const script = torchScriptPath();
  if (!existsSync(script)) return { ok: false, reason: `${script} not found` };
  const r = await runChild(PYTHON, [script, '--threads', '1', '--steps', String(steps), '--models', models.join(',')], { timeoutMs });
  const out: Extract<TorchResult, { ok: true }>['models'] = {};
  for (const line of jsonLines<TorchLine>(r.stdout)) out[line.model] = { trainExPerS: line.train_examples_per_s, gcSeconds: line.gc_256_s };
  if (r.timedOut && !Object.keys(out).length) return { ok: false, reason: `torch_bench.py ran past ${timeoutMs / 1000} s` };
  if (r.code !== 0 && !Object.keys(out).length) return { ok: false, reason: `torch_bench.py failed: ${lastLine(r.stderr, `exit ${r.code}`)}` };
  const lines = jsonLines<TorchLine>(r.stdout);
  return { ok: true, version: v.version, blas: lines[0]?.blas ?? 'not reported', threads: lines[0]?.threads ?? 1, models: out };
}

/**
 * One TorchResult from per-model invocations: every model that produced figures; when none did,
 * the first failure's reason (or that no model was measured, e.g. no backend loaded).
 */
export function mergeTorch(parts: TorchResult[]): TorchResult {
  const ok = parts.filter((p): p is Extract<TorchResult, { ok: true }> => p.ok);
  if (!ok.length) return parts.find((p) => !p.ok) ?? { ok: false, reason: 'no model was measured' };
  return { ok: true, version: ok[0].version, blas: ok[0].blas, threads: ok[0].threads, models: Object.assign({}, ...ok.map((p) => p.models)) };
}
