/**
 * `npm run bench:gpu`: speed on a GPU, in one invocation. Training examples/s (SGD, batch 128,
 * softmax cross-entropy, median step, every read async) and exact-GC seconds for the three
 * reference models and for ResNet-18 at CIFAR shape, the seconds per epoch of
 * configs/paper/lr.yaml extrapolated from them, and PyTorch's figures beside ours where PyTorch
 * with CUDA imports (bench/torch_gpu.py). Flags: --backend (default webgpu), --steps N,
 * --gc-examples N, --models a,b. Prints a markdown table and one JSON line per model.
 */
import * as tf from '#tf';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { selectBackend, describeBackend } from '../src/backend/select.js';
import type { BackendChoice } from '../src/config/schema.js';
import { buildModel } from '../src/models/build.js';
import { ModelSchema } from '../src/config/schema.js';
import { jacobianSqNorms, jacobianStrategyFor } from '../src/metrics/gc.js';
import { Rng } from '../src/rng/rng.js';
import { buildReferenceModel, INPUT_SHAPE, type ReferenceModel } from './reference-models.js';

type Model = ReferenceModel | 'resnet18';
const SHAPES: Record<Model, [number, number, number]> = { ...INPUT_SHAPE, resnet18: [32, 32, 3] };
/** configs/paper/lr.yaml: CIFAR-10 50k train / 10k test, batch 128, exact GC on 512 every 5 epochs. */
const PAPER = { train: 50_000, test: 10_000, gcExamples: 512, gcEvery: 5 };

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

function build(name: Model): tf.LayersModel {
  if (name !== 'resnet18') return buildReferenceModel(name, 0);
  return buildModel(ModelSchema.parse({ arch: 'resnet18', width: 64 }), SHAPES.resnet18, 10, 0);
}

function gaussian(rng: Rng, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median ms of `steps` SGD steps after 2 warm-up steps; each step ends with an async read of its loss. */
async function trainMs(model: tf.LayersModel, name: Model, batch: number, steps: number): Promise<number> {
  const rng = Rng.derive(0, `gpu-bench-${name}`);
  const x = gaussian(rng, [batch, ...SHAPES[name]]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(10)), 'int32'), 10));
  const opt = tf.train.sgd(0.01);
  const times: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
    await loss.data();
    loss.dispose();
    if (i >= 2) times.push(performance.now() - t0);
  }
  tf.dispose([x, y]);
  opt.dispose();
  return median(times);
}

/** Seconds for exact GC of `n` examples in chunks of `chunk` (after one warm-up chunk). */
async function gcSeconds(model: tf.LayersModel, name: Model, n: number, chunk: number): Promise<number> {
  const rng = Rng.derive(1, `gpu-bench-gc-${name}`);
  const f = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor2D;
  const strategy = jacobianStrategyFor(name === 'mlp' ? 'mlp' : 'cnn');
  const one = async (x: tf.Tensor) => {
    const s = tf.tidy(() => tf.sum(jacobianSqNorms(f, x, 10, strategy)));
    await s.data();
    s.dispose();
  };
  const warm = gaussian(rng, [Math.min(chunk, n), ...SHAPES[name]]);
  await one(warm);
  warm.dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i += chunk) {
    const x = gaussian(rng, [Math.min(chunk, n - i), ...SHAPES[name]]);
    await one(x);
    x.dispose();
  }
  return (performance.now() - t0) / 1000;
}

interface Row { model: Model; impl: string; examplesPerS: number; gcSeconds: number; gcExamples: number }

function torchRows(models: Model[], steps: number, gcExamples: number): { rows: Row[]; note: string } {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bench', 'torch_gpu.py');
  const python = process.env.PYTHON ?? 'python3';
  const r = spawnSync(python, [script, '--models', models.join(','), '--steps', String(steps), '--gc-examples', String(gcExamples)], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) return { rows: [], note: `PyTorch: not run (${(r.error?.message ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`).slice(0, 200)})` };
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Row & { device?: string });
  const dev = (rows[0] as { device?: string } | undefined)?.device ?? '';
  return { rows, note: `PyTorch: ${dev}` };
}

async function main(): Promise<void> {
  const choice = arg('backend', 'webgpu') as BackendChoice;
  const steps = Number(arg('steps', '10'));
  const gcN = Number(arg('gc-examples', '256'));
  const models = arg('models', 'mlp,cnn,resblock,resnet18').split(',') as Model[];
  const info = await selectBackend(choice);
  console.log(`# gc-run GPU bench, ${new Date().toISOString()}\n${describeBackend(info, choice)}\n`);
  const rows: Row[] = [];
  for (const name of models) {
    const model = build(name);
    const ms = await trainMs(model, name, 128, steps);
    const gc = await gcSeconds(model, name, gcN, name === 'resnet18' ? 16 : 64);
    model.dispose();
    const row: Row = { model: name, impl: `gc-run ${info.name}`, examplesPerS: (128 * 1000) / ms, gcSeconds: gc, gcExamples: gcN };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const torch = process.argv.includes('--no-torch') ? { rows: [], note: 'PyTorch: skipped (--no-torch)' } : torchRows(models, steps, gcN);
  for (const r of torch.rows) console.log(JSON.stringify(r));
  console.log(`\n${torch.note}\n`);
  console.log('| model | impl | train ex/s (batch 128) | exact GC of ' + gcN + ' (s) |\n|---|---|---|---|');
  for (const r of [...rows, ...torch.rows]) console.log(`| ${r.model} | ${r.impl} | ${r.examplesPerS.toFixed(0)} | ${r.gcSeconds.toFixed(2)} |`);
  // Extrapolation for configs/paper/lr.yaml: train steps + test forward (≈ 1/3 of a step per
  // example) + exact GC of 512 examples every 5 epochs, amortised.
  for (const r of [...rows, ...torch.rows].filter((x) => x.model === 'resnet18')) {
    const train = PAPER.train / r.examplesPerS;
    const test = PAPER.test / (3 * r.examplesPerS);
    const gc = (r.gcSeconds * (PAPER.gcExamples / r.gcExamples)) / PAPER.gcEvery;
    const epoch = train + test + gc;
    console.log(`\nconfigs/paper/lr.yaml, ${r.impl}: ≈ ${epoch.toFixed(0)} s per epoch (train ${train.toFixed(0)} + test ${test.toFixed(0)} + GC ${gc.toFixed(0)} amortised), ≈ ${((epoch * 100) / 3600).toFixed(1)} h per 100-epoch run`);
  }
  process.exit(0);
}

await main();
