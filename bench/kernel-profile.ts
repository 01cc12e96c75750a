/**
 * Where a piece of work's time goes, kernel by kernel: calls and milliseconds per kernel name
 * (tf.profile), and the wall time outside kernels (tfjs dispatch, tape, tidy, our JS), so a
 * step dominated by per-op overhead shows as such.
 */
import * as tf from '#tf';

/** Per `per` units of work (e.g. per training step): kernels by name and the time outside them. */
export interface KernelProfile {
  per: number;
  wallMs: number;
  kernelMs: number;
  calls: number;
  /** Sorted by ms, largest first. */
  kernels: { name: string; calls: number; ms: number }[];
}

/** Profiles `f` once (wall time includes profiling overhead) and divides every figure by `per`. */
export async function profileKernels(f: () => Promise<unknown>, per: number): Promise<KernelProfile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await f();
    return [] as tf.Tensor[];
  });
  const wallMs = performance.now() - t0;
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    by.set(k.name, e);
  }
  const kernels = [...by.entries()].map(([name, e]) => ({ name, calls: e.calls / per, ms: e.ms / per })).sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.reduce((s, k) => s + k.ms, 0);
  return { per, wallMs: wallMs / per, kernelMs, calls: kernels.reduce((s, k) => s + k.calls, 0), kernels };
}

/** A profile as text lines: totals, then the kernels by time. */
export function formatProfile(title: string, p: KernelProfile): string[] {
  const lines = [`${title}: ${p.wallMs.toFixed(2)} ms wall (profiled), ${p.calls.toFixed(1)} kernel calls, ${p.kernelMs.toFixed(2)} ms in kernels, ${(p.wallMs - p.kernelMs).toFixed(2)} ms outside`];
  for (const k of p.kernels) lines.push(`  ${k.name.padEnd(24)} ${k.calls.toFixed(1).padStart(6)} calls ${k.ms.toFixed(3).padStart(9)} ms`);
  return lines;
}
