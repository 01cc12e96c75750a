/**
 * Micro-benchmark of our wasm kernels against the stock wasm kernels and the cpu backend, plus
 * training throughput of the reference models on wasm with our kernels.
 * Usage: node dist/bench/kernels/micro.js [--no-cpu] [--no-train] [--torch]
 * Prints a table (kernel, shape, stock wasm ms | 'missing', cpu ms, ours ms) and, with --torch,
 * runs ../shared/reference/torch_bench.py in the same invocation for ratios.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as tf from '#tf';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backend/wasm/index.js';
import { stockKernel } from '../../src/backend/kernel-call.js';
import { Rng } from '../../src/rng/rng.js';
import { measureTraining, type TrainingSpeed } from '../train-step.js';
import type { ReferenceModel } from '../reference-models.js';

interface Case {
  kernel: string;
  shape: string;
  /** Builds inputs and runs the op; returns the result to read back. */
  run: () => tf.Tensor | tf.Tensor[];
}

function randn(shape: number[], label: string): tf.Tensor {
  const rng = Rng.derive(0, label);
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
}

/** Conv gradient case: grads of <conv2d(x, w), r> w.r.t. x (BackpropInput) or w (BackpropFilter). */
function convCase(which: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', xs: number[], k: number, co: number, s: number, pad: 'valid' | 'same'): Case {
  return {
    kernel: which,
    shape: `x=${xs.join('x')} k${k}x${k}x${co} s${s} ${pad}`,
    run: () => {
      const x = randn(xs, 'x') as tf.Tensor4D;
      const w = randn([k, k, xs[3], co], 'w') as tf.Tensor4D;
      const dy = randn(tf.conv2d(x, w, s, pad).shape, 'dy') as tf.Tensor4D;
      // Time only the gradient kernel: inputs are created before the timer in `time`.
      return [x, w, dy];
    },
  };
}

function convKernel(which: string, [x, w, dy]: tf.Tensor[], s: number, pad: 'valid' | 'same'): tf.Tensor {
  const attrs = { strides: s, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return which === 'Conv2DBackpropFilter'
    ? (tf.engine().runKernel(which, { x, dy }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor)
    : (tf.engine().runKernel(which, { dy, filter: w }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor);
}

/** Median ms of `reps` runs of `op` on prepared inputs (result read back each time). */
function time(prepare: () => tf.Tensor[], op: (inputs: tf.Tensor[]) => tf.Tensor, reps: number): number {
  const inputs = prepare();
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const out = op(inputs);
    out.dataSync();
    const dt = performance.now() - t0;
    out.dispose();
    if (i > 0 || reps === 0) times.push(dt);
  }
  tf.dispose(inputs);
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Runs `fn` with the stock wasm kernel `name` temporarily registered instead of ours. */
function withStock<T>(name: string, fn: () => T): T | 'missing' {
  const stock = stockKernel(name);
  if (!stock) return 'missing';
  const ours = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(stock);
  try {
    return fn();
  } finally {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(ours);
  }
}

type Row = { kernel: string; shape: string; stock: number | 'missing'; cpu: number | '-'; ours: number };

async function kernelRows(withCpu: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const convs: [number[], number, number, number, 'valid' | 'same'][] = [
    [[32, 28, 28, 1], 3, 32, 1, 'valid'],
    [[32, 13, 13, 32], 3, 64, 1, 'valid'],
    [[32, 32, 32, 64], 3, 64, 1, 'same'],
    [[32, 32, 32, 64], 3, 128, 2, 'same'],
    [[32, 32, 32, 64], 1, 128, 2, 'same'],
  ];
  // cpu conv gradients are naive loops (minutes at ResNet sizes), so cpu runs only cases marked small.
  const cases: { kernel: string; shape: string; prepare: () => tf.Tensor[]; op: (t: tf.Tensor[]) => tf.Tensor; cpu?: boolean }[] = [];
  for (const which of ['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const) {
    for (const [xs, k, co, s, pad] of convs) {
      const c = convCase(which, xs, k, co, s, pad);
      cases.push({ kernel: which, shape: c.shape, prepare: c.run as () => tf.Tensor[], op: (t) => convKernel(which, t, s, pad), cpu: xs[3] * co * k * k * xs[0] * xs[1] * xs[2] < 5e7 });
    }
  }
  for (const [m, k, n, ta, tb] of [[784, 128, 512, true, false], [128, 512, 784, false, true], [512, 512, 512, true, false]] as const) {
    cases.push({
      kernel: 'BatchMatMul',
      shape: `${m}x${k}.${n} tA=${ta} tB=${tb}`,
      prepare: () => [randn(ta ? [k, m] : [m, k], 'a'), randn(tb ? [n, k] : [k, n], 'b')],
      op: ([a, b]) => tf.matMul(a, b, ta, tb),
    });
  }
  const act = [128, 32, 32, 64];
  cases.push({ kernel: 'Sum', shape: `${act.join('x')} axes 0,1,2`, prepare: () => [randn(act, 'x')], op: ([x]) => tf.sum(x, [0, 1, 2]) });
  cases.push({ kernel: 'Mean', shape: `${act.join('x')} axes 0,1,2`, prepare: () => [randn(act, 'x')], op: ([x]) => tf.mean(x, [0, 1, 2]) });
  cases.push({ kernel: 'Tile', shape: '1x1x1x64 reps 128,32,32,1', prepare: () => [randn([1, 1, 1, 64], 'v')], op: ([v]) => tf.tile(v, [128, 32, 32, 1]) });
  cases.push({
    kernel: 'MaxPoolGrad',
    shape: '128x26x26x32 pool 2',
    prepare: () => [randn([128, 26, 26, 32], 'x'), randn([128, 13, 13, 32], 'dy')],
    op: ([x, dy]) => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: dy }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor,
  });
  for (const c of cases) {
    await tf.setBackend('wasm');
    const ours = time(c.prepare, c.op, 3);
    const stock = withStock(c.kernel, () => time(c.prepare, c.op, 1));
    let cpu: number | '-' = '-';
    if (withCpu && c.cpu !== false) {
      await tf.setBackend('cpu');
      cpu = time(c.prepare, c.op, 0);
      await tf.setBackend('wasm');
    }
    rows.push({ kernel: c.kernel, shape: c.shape, stock, cpu, ours });
  }
  return rows;
}

function fmt(v: number | string): string {
  return typeof v === 'number' ? v.toFixed(1) : v;
}

function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(fmt))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  for (const r of cells) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
}

function torchReference(models: ReferenceModel[]): Map<string, number> {
  const script = new URL('../../../../shared/reference/torch_bench.py', import.meta.url).pathname;
  const out = new Map<string, number>();
  if (!existsSync(script) || !existsSync('/usr/bin/python3')) return out;
  try {
    const text = execFileSync('/usr/bin/python3', [script, '--threads', '1', '--models', models.join(',')], { encoding: 'utf8' });
    for (const line of text.trim().split('\n')) {
      const r = JSON.parse(line) as { model: string; train_examples_per_s: number };
      out.set(r.model, r.train_examples_per_s);
    }
  } catch (e) {
    console.error(`torch reference failed: ${(e as Error).message.split('\n')[0]}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  await tf.setBackend('wasm');
  registerWasmKernels();
  printTable(['kernel', 'shape', 'stock wasm ms', 'cpu ms', 'ours ms'], (await kernelRows(!args.has('--no-cpu'))).map((r) => [r.kernel, r.shape, r.stock, r.cpu, r.ours]));
  if (args.has('--no-train')) return;
  const models: ReferenceModel[] = ['mlp', 'cnn', 'resblock'];
  const torch = args.has('--torch') ? torchReference(models) : new Map<string, number>();
  const rows: (string | number)[][] = [];
  for (const m of models) {
    await tf.setBackend('wasm');
    const s: TrainingSpeed = await measureTraining(m, { steps: m === 'resblock' ? 5 : 10 });
    const t = torch.get(m);
    rows.push([m, s.medianStepMs, s.examplesPerS, t ?? '-', t ? (s.examplesPerS / t).toFixed(2) + 'x' : '-']);
  }
  console.log('');
  printTable(['model', 'median step ms', 'wasm+ours ex/s', 'torch-1t ex/s', 'ratio'], rows);
}

await main();
