import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { validateExperiment } from '../../src/config/load.js';
import { expandSweep } from '../../src/config/sweep.js';
import { SWEEP_RUNS, sweepConfigYaml } from '../../bench/sweep-timing.js';
import { blasKind, describeBlas } from '../../bench/blas.js';
import { lrSweepTargets, markdownTable, ratio, rssGrowthPct, speedRows, targetBackend, targetRows, type Measurements } from '../../bench/targets.js';

const ok = (value: number) => ({ ok: true as const, value });

/** Synthetic measurements: wasm loaded, tensorflow not, torch figures chosen to land on both sides of each target. */
function synthetic(): Measurements {
  return {
    models: ['mlp', 'cnn', 'resblock'],
    backends: [
      { backend: 'tensorflow', unavailable: 'not installed', models: {} },
      {
        backend: 'wasm',
        models: {
          mlp: { train: ok(3000), gc: ok(0.5) }, // 3000/1000 = 3.00x (boundary: PASS); 0.5/1 = 0.5x PASS
          cnn: { train: ok(900), gc: ok(2) }, // 0.9x MISS; 2x MISS
          resblock: { train: ok(250), gc: { ok: false, note: 'skipped (wasm: > 300 s)' } }, // 2.5x PASS; GC n/a
        },
      },
      { backend: 'cpu', models: { mlp: { train: ok(100), gc: ok(10) } } },
    ],
    torch: { ok: true, version: '1.13', blas: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so', threads: 1, models: { mlp: { trainExPerS: 1000, gcSeconds: 1 }, cnn: { trainExPerS: 1000, gcSeconds: 1 }, resblock: { trainExPerS: 100, gcSeconds: 10 } } },
    sweep: { ok: true, runs: 4, jobs1Seconds: 100, jobs2Seconds: 60 },
    memory: { ok: true, epochs: 20, backend: 'wasm', tensorsFirst: 15, tensorsLast: 15, rssFirst: 200, rssLast: 219 },
  };
}

test('ratio: ours / torch, null when either side is missing', () => {
  assert.equal(ratio(ok(300), 100), 3);
  assert.equal(ratio({ ok: false, note: 'x' }, 100), null);
  assert.equal(ratio(ok(1), undefined), null);
  assert.equal(ratio(ok(1), 0), null);
});

test('targets are judged on the first backend that loaded', () => {
  assert.equal(targetBackend(synthetic())?.backend, 'wasm');
});

test('target verdicts: boundaries, MISS, n/a for a skipped cell', () => {
  const rows = targetRows(synthetic());
  const v = Object.fromEntries(rows.map((r) => [r.target, [r.measured, r.verdict]]));
  assert.deepEqual(v['mlp training >= 0.5x torch (wasm)'], ['3.00x', 'PASS']);
  assert.deepEqual(v['cnn training >= 1.5x torch (wasm)'], ['0.90x', 'MISS']);
  assert.deepEqual(v['resblock training >= 1.5x torch (wasm)'], ['2.50x', 'PASS']);
  assert.deepEqual(v['mlp exact GC time <= 1x torch (wasm)'], ['0.50x', 'PASS']);
  assert.deepEqual(v['cnn exact GC time <= 1x torch (wasm)'], ['2.00x', 'MISS']);
  assert.deepEqual(v['resblock exact GC time <= 1x torch (wasm)'], ['skipped (wasm: > 300 s)', 'n/a']);
  assert.deepEqual(v['sweep --jobs 2 >= 1.7x faster than --jobs 1'], ['100.0 s / 60.0 s = 1.67x (4 runs)', 'MISS']);
  assert.equal(v['tensor count flat over 20 epochs'][1], 'PASS');
  assert.deepEqual(v['RSS growth < 10%'], ['0 MiB -> 0 MiB (+9.5%)', 'PASS']);
  assert.equal(rows.length, 3 + 3 + 3);
});

test('leaks and slow sweeps are MISS; a sweep at 1.7x or more is PASS', () => {
  const m = synthetic();
  m.sweep = { ok: true, runs: 4, jobs1Seconds: 100, jobs2Seconds: 50, load1: 2.25 };
  m.memory = { ok: true, epochs: 20, backend: 'wasm', tensorsFirst: 15, tensorsLast: 35, rssFirst: 100 * 2 ** 20, rssLast: 110 * 2 ** 20 };
  const v = Object.fromEntries(targetRows(m).map((r) => [r.target, r]));
  assert.equal(v['sweep --jobs 2 >= 1.7x faster than --jobs 1'].verdict, 'PASS');
  assert.equal(v['sweep --jobs 2 >= 1.7x faster than --jobs 1'].measured, '100.0 s / 50.0 s = 2.00x (4 runs; load 2.3 after)');
  assert.equal(v['tensor count flat over 20 epochs'].verdict, 'MISS');
  assert.equal(v['RSS growth < 10%'].verdict, 'MISS'); // exactly 10% is not < 10%
  assert.equal(v['RSS growth < 10%'].measured, '100 MiB -> 110 MiB (+10.0%)');
  assert.equal(rssGrowthPct(m.memory as Extract<typeof m.memory, { ok: true }>), 10);
});

test('without torch: no ratios, targets say why and are n/a, nothing throws', () => {
  const m = synthetic();
  m.torch = { ok: false, reason: 'PyTorch not installed' };
  m.sweep = { ok: false, reason: '--no-sweep' };
  const rows = targetRows(m);
  for (const r of rows.slice(0, 6)) {
    assert.equal(r.verdict, 'n/a');
    assert.match(r.measured, /torch not run: PyTorch not installed/);
  }
  assert.deepEqual(rows[6], { target: 'sweep --jobs 2 >= 1.7x faster than --jobs 1', measured: '--no-sweep', verdict: 'n/a' });
  for (const row of speedRows(m)) {
    assert.equal(row[3], '-');
    assert.equal(row[4], '-');
    assert.equal(row[7], '-');
  }
});

test('speed rows: loaded backends only, one per model, missing cells shown as -', () => {
  const rows = speedRows(synthetic());
  assert.deepEqual(rows.map((r) => `${r[0]}/${r[1]}`), ['wasm/mlp', 'wasm/cnn', 'wasm/resblock', 'cpu/mlp', 'cpu/cnn', 'cpu/resblock']);
  assert.deepEqual(rows[0], ['wasm', 'mlp', '3000', '1000', '3.00x', '0.500', '1.00', '0.50x']);
  assert.deepEqual(rows[3].slice(2), ['100', '1000', '0.10x', '10.0', '1.00', '10.00x']);
  assert.deepEqual(rows[4].slice(2), ['-', '1000', '-', '-', '1.00', '-']);
});

test('markdownTable pads columns and escapes pipes', () => {
  assert.equal(markdownTable(['a', 'bb'], [['x|y', '1']]), ['| a    | bb  |', '| ---- | --- |', '| x\\|y | 1   |'].join('\n'));
});

test('the bench sweep config is valid and has the advertised number of runs', () => {
  for (const quick of [false, true]) {
    const exp = validateExperiment(parse(sweepConfigYaml('/tmp/out', 'wasm', quick)), 'bench-sweep.yaml');
    assert.equal(expandSweep(exp, 'bench-sweep.yaml').length, SWEEP_RUNS);
  }
});

test('sweep timed several times per setting: the means make the ratio, each invocation is shown', () => {
  const m = synthetic();
  m.sweep = { ok: true, runs: 4, jobs1Seconds: 70, jobs2Seconds: 40, jobs1Each: [66, 74], jobs2Each: [39, 41], load1: 2 };
  const row = targetRows(m).find((r) => r.target.startsWith('sweep'))!;
  assert.equal(row.measured, '70.0 s (66.0, 74.0) / 40.0 s (39.0, 41.0) = 1.75x (4 runs; load 2.0 after)');
  assert.equal(row.verdict, 'PASS');
});

test('blasKind: OpenBLAS / MKL are optimised; Debian\'s reference libblas is not', () => {
  assert.equal(blasKind('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3,/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'), 'openblas');
  assert.equal(blasKind('/opt/intel/lib/libmkl_rt.so.2'), 'mkl');
  assert.equal(blasKind('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0,/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3.11.0'), 'reference');
  assert.equal(blasKind('none found'), 'unknown');
  assert.match(describeBlas('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'), /reference BLAS.*not PyTorch ratios.*libopenblas0-pthread/);
});

test('torch on the reference BLAS: figures shown, no ratio, targets n/a', () => {
  const m = synthetic();
  if (m.torch.ok) m.torch.blas = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0';
  for (const r of targetRows(m).slice(0, 6)) {
    assert.equal(r.verdict, 'n/a');
    assert.match(r.measured, /reference BLAS: no ratio/);
  }
  const [row] = speedRows(m);
  assert.deepEqual(row, ['wasm', 'mlp', '3000', '1000', 'no ratio (reference BLAS)', '0.500', '1.00', 'no ratio (reference BLAS)']);
});

test('lr-sweep targets: epoch speed ratio and GC time ratio, n/a without an honest reference', () => {
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so';
  const l = { ok: true as const, work: 'w', oursEpochSeconds: 0.2, oursGcSeconds: 0.02, torch: { ok: true as const, epochSeconds: 0.1, gcSeconds: 0.025, blas: openblas } };
  const [e, g] = lrSweepTargets(l, 'wasm');
  assert.deepEqual(e, { target: 'lr-sweep epoch speed >= 1x torch (wasm)', measured: '0.100 s / 0.200 s = 0.50x', verdict: 'MISS' });
  assert.deepEqual(g, { target: 'lr-sweep exact GC (256) time <= 1x torch (wasm)', measured: '0.020 s / 0.025 s = 0.80x', verdict: 'PASS' });
  assert.equal(lrSweepTargets({ ...l, torch: { ...l.torch, blas: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3' } }, 'wasm')[0].verdict, 'n/a');
  assert.equal(lrSweepTargets({ ok: false, reason: 'boom' }, 'wasm')[1].measured, 'boom');
  const m = synthetic();
  m.lrSweep = l;
  assert.equal(targetRows(m).filter((r) => r.target.startsWith('lr-sweep')).length, 2);
});
