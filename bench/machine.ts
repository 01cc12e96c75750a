/**
 * What the bench ran on, for the header of bench/results.md: CPU, cores, memory, load, versions.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createRequire } from 'node:module';

/** The machine and software a bench ran on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  tfjs: Record<string, string>;
  /** 1-, 5- and 15-minute load averages. */
  load: [number, number, number];
}

/** CPU model name from /proc/cpuinfo (os.cpus() where that file is missing). */
function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function pkgVersion(name: string): string {
  try {
    const req = createRequire(import.meta.url);
    return (req(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Reads the machine description now (load averages are of this moment). */
export function machineInfo(): MachineInfo {
  const tfjs: Record<string, string> = {};
  for (const p of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) tfjs[p] = pkgVersion(p);
  const [a, b, c] = loadavg();
  return { cpuModel: cpuModel(), cores: cpus().length, memoryGiB: totalmem() / 2 ** 30, node: process.version, tfjs, load: [a, b, c] };
}

/** "3.46 / 4.64 / 3.70" */
export function fmtLoad(l: [number, number, number]): string {
  return l.map((x) => x.toFixed(2)).join(' / ');
}
