import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { findOnPath, requirement, type Requirement } from './requirements.js';

/** The pip line .ci/run uses (the version the tests were written against). */
export const TENSORBOARD_INSTALL = 'pip install tensorboard==2.21.0';

/** The Python interpreter that has the tensorboard package (its real path, not a pyenv shim), else null. */
export function tensorboardPython(): string | null {
  for (const name of ['python3', 'python']) {
    if (!findOnPath(name)) continue;
    const r = spawnSync(name, ['-c', 'import sys, tensorboard; print(sys.executable)'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

/** Skip (outside CI) or require (in CI) the TensorBoard tier. */
export function tensorboardRequirement(python: string | null): Requirement {
  return requirement('TensorBoard (Python package)', python ? [] : ['python3 -c "import tensorboard"'], TENSORBOARD_INSTALL);
}

/** Runs a Python script with `python`, returning its stdout parsed as JSON. */
export function pythonJson(python: string, script: string, args: string[]): unknown {
  const r = spawnSync(python, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A real `tensorboard --logdir` on 127.0.0.1 (its own process group: stopping it by pid also stops
 * the Rust data server it spawns). `stop` kills the group and waits for the exit.
 */
export async function startTensorboard(python: string, logdir: string): Promise<{ url: string; child: ChildProcess; log: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(python, ['-m', 'tensorboard.main', '--logdir', logdir, '--host', '127.0.0.1', '--port', String(port), '--reload_interval', '1'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      await exited;
    },
  };
}

/** Polls `get` every 250 ms until `ok` accepts its value (or `ms` elapse: the last value is in the error). */
export async function pollUntil<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  let err: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (e) {
      err = e;
    }
    if (Date.now() - t0 > ms) throw new Error(`not reached within ${ms} ms; last: ${JSON.stringify(last) ?? String(err)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
