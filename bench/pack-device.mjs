#!/usr/bin/env node
/**
 * Packs what `npm run bench:gpu` needs on a machine that reaches no registry and may lack Node:
 * this Node binary, dist/, bench/torch_gpu.py, bench/gpu-device.sh and the node_modules files a
 * bench run actually opens (traced with strace on a tiny run here: the tfjs node bundles, the wasm
 * binaries, Dawn's linux-x64 dawn.node; not the other platforms' Dawn, sources maps, browser
 * bundles or dev tools) into one .tar.xz, and checks it fits the device tool's 64 MiB.
 * Usage: npm run build && node bench/pack-device.mjs [out.tar.xz]   (default .device/gc-run-device.tar.xz)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, '.device', 'gc-run-device.tar.xz'));
const LIMIT = 60 * 1024 * 1024; // leaves room under 64 MiB for the scripts and the Vulkan loader debs
if (!existsSync(join(root, 'dist', 'bench', 'gpu.js'))) throw new Error('run npm run build first');

// 1. Trace a tiny bench run: every file under node_modules that gets opened.
const trace = join(mkdtempSync(join(tmpdir(), 'gc-pack-')), 'trace');
const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,open', '-o', trace, process.execPath, 'dist/bench/gpu.js', '--models', 'mlp', '--steps', '1', '--gc-examples', '4', '--no-torch'], { cwd: root, encoding: 'utf8' });
if (run.status !== 0) throw new Error(`traced bench run failed (strace needed: apt-get install strace):\n${run.stderr}`);
const nm = join(root, 'node_modules') + '/';
const files = new Set();
for (const line of readFileSync(trace, 'utf8').split('\n')) {
  const m = /open(?:at)?\([^"]*"([^"]+)"/.exec(line);
  if (!m || line.includes('= -1')) continue;
  const p = resolve(root, m[1]);
  if (p.startsWith(nm) && statSync(p).isFile()) files.add(p);
}
// Every package.json of a traced package (resolution reads them, some via stat only).
for (const f of [...files]) {
  let d = dirname(f);
  while (d.startsWith(nm) && d !== nm.slice(0, -1)) {
    if (existsSync(join(d, 'package.json'))) files.add(join(d, 'package.json'));
    d = dirname(d);
  }
}

// 2. Stage and compress.
const stage = mkdtempSync(join(tmpdir(), 'gc-stage-'));
const app = join(stage, 'gc-run');
mkdirSync(join(app, 'bench'), { recursive: true });
cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true, filter: (s) => !s.includes(`${'/dist/test'}`) });
for (const f of ['package.json', 'bench/torch_gpu.py', 'bench/gpu-device.sh']) copyFileSync(join(root, f), join(app, f));
mkdirSync(join(app, 'bin'), { recursive: true });
copyFileSync(process.execPath, join(app, 'bin', 'node'));
for (const f of files) {
  const to = join(app, relative(root, f));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}
mkdirSync(dirname(out), { recursive: true });
execFileSync('tar', ['-cJf', out, '-C', stage, 'gc-run'], { env: { ...process.env, XZ_OPT: '-9 -T2' } });
rmSync(stage, { recursive: true, force: true });
const size = statSync(out).size;
console.log(`${out}: ${(size / 1048576).toFixed(1)} MiB (${files.size} node_modules files, node ${process.version})`);
if (size > LIMIT) throw new Error(`archive is ${(size / 1048576).toFixed(1)} MiB, over the ${LIMIT / 1048576} MiB budget`);
