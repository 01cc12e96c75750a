import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder, removed after the test via the returned cleanup. */
export function tempDir(prefix = 'gc-run-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small valid config as YAML text; `extra` lines are appended verbatim. */
export function tinyConfigYaml(outDir: string, extra = ''): string {
  return `experiment: tiny
output_dir: ${JSON.stringify(outDir)}
backend: cpu
dataset: { name: fashion-mnist, train_size: 64, test_size: 40 }
model: { arch: mlp, widths: [16] }
optimizer: { lr: 0.1 }
train: { batch_size: 16, epochs: 2 }
gc: { examples: 16, batch_size: 8 }
${extra}`;
}
