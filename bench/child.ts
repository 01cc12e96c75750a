/**
 * Runs a child process with a wall-clock cap and collects its output, so one slow or hung
 * benchmark cell cannot stall the whole `npm run bench`.
 */
import { spawn } from 'node:child_process';

/** Outcome of `runChild`. `code` is null when the child was killed (timeout or signal). */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** Spawns `cmd args` (no shell) and kills it with SIGKILL after `timeoutMs`. */
export function runChild(cmd: string, args: string[], opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** The JSON objects printed one per line on `stdout` (other lines are ignored). */
export function jsonLines<T>(stdout: string): T[] {
  const out: T[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t) as T);
    } catch {
      // a partial line from a killed child: not a result
    }
  }
  return out;
}

/** Last non-empty line of a child's stderr, for an error cell (`fallback` when there is none). */
export function lastLine(text: string, fallback: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines[lines.length - 1] ?? fallback).slice(0, 160);
}
