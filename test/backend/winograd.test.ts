import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '#tf';
import { assertMatchesCpu, randn, setupBackends } from '../helpers/compare.js';
import { SIMD_WASM_PATH } from '../../src/backend/simd.js';
import { conv2D, fusedConv2D, winogradWorthIt } from '../../src/backend/wasm/winograd.js';

before(setupBackends);

/** Section ids of a wasm binary, in order (after the 8-byte header). */
function sectionIds(bytes: Uint8Array): number[] {
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'wasm magic');
  const ids: number[] = [];
  let p = 8;
  while (p < bytes.length) {
    ids.push(bytes[p++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      size |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    p += size;
  }
  assert.equal(p, bytes.length, 'sections end at the end of the module');
  return ids;
}

test('kernels.wasm and kernels-relaxed.wasm have no data segment (they share tfjs memory)', () => {
  for (const file of [SIMD_WASM_PATH, new URL('./kernels-relaxed.wasm', SIMD_WASM_PATH)]) {
    const ids = sectionIds(new Uint8Array(readFileSync(file)));
    assert.ok(ids.includes(10), `${file}: has a code section`);
    assert.ok(!ids.includes(11), `${file}: data section present: sections ${ids}`);
    assert.ok(!ids.includes(12), `${file}: data count section present: sections ${ids}`);
  }
});

test('Conv2D and FusedConv2D are ours on wasm', () => {
  assert.equal(tf.getKernel('Conv2D', 'wasm')?.kernelFunc, conv2D as unknown as tf.KernelFunc);
  assert.equal(tf.getKernel('FusedConv2D', 'wasm')?.kernelFunc, fusedConv2D as unknown as tf.KernelFunc);
  assert.ok(winogradWorthIt(64, 64));
  assert.ok(!winogradWorthIt(1, 32));
  assert.ok(!winogradWorthIt(3, 64));
  assert.ok(winogradWorthIt(64, 3));
  assert.ok(!winogradWorthIt(64, 1));
});

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
// [x shape, Cout, pad]: odd H/W (not multiples of 4), batch 1 and several, channels not multiples
// of 4 (tails), valid/same/explicit padding, and one conv below the crossover (stock path).
const CASES: [number[], number, Pad][] = [
  [[2, 9, 11, 5], 7, 'same'],
  [[1, 7, 5, 6], 11, 'valid'],
  [[3, 6, 13, 9], 4, 'same'],
  [[2, 5, 5, 13], 8, 2],
  [[2, 10, 7, 11], 10, [[0, 0], [0, 3], [2, 1], [0, 0]]],
  [[1, 3, 3, 4], 17, 'valid'],
  [[2, 7, 9, 12], 3, 'same'],
  [[2, 8, 8, 2], 5, 'same'],
  // Interior tiles with whole channel vectors (the unchecked fast paths), bias and relu on full tiles.
  [[2, 12, 14, 8], 12, 'same'],
  [[1, 10, 14, 4], 8, 'valid'],
];

for (const [xs, co, pad] of CASES) {
  const label = `x=${xs} co=${co} pad=${JSON.stringify(pad)} ${winogradWorthIt(xs[3], co) ? 'winograd' : 'stock'}`;
  test(`Conv2D, its input gradient and filter gradient match cpu (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const x = randn(xs, 1, 'x') as tf.Tensor4D;
      const w = randn([3, 3, xs[3], co], 2, 'w') as tf.Tensor4D;
      const y = tf.conv2d(x, w, 1, pad);
      const r = randn(y.shape, 3, 'r');
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), r)))([x, w]);
      return [y, dx, dw];
    });
  });
  test(`FusedConv2D with bias, relu / linear matches cpu (${label})`, async () => {
    await assertMatchesCpu(label, () => {
      const x = randn(xs, 4, 'x') as tf.Tensor4D;
      const w = randn([3, 3, xs[3], co], 5, 'w') as tf.Tensor4D;
      const bias = randn([co], 6, 'b') as tf.Tensor1D;
      return [
        tf.fused.conv2d({ x, filter: w, strides: 1, pad, bias, activation: 'relu' }),
        tf.fused.conv2d({ x, filter: w, strides: 1, pad, bias }),
        tf.fused.conv2d({ x, filter: w, strides: 1, pad, activation: 'relu' }),
        // Not fused by us: falls back to stock.
        tf.fused.conv2d({ x, filter: w, strides: 1, pad, bias, activation: 'elu' }),
      ];
    });
  });
}

test('strided, dilated and non-3x3 convs still match cpu (stock path)', async () => {
  await assertMatchesCpu('fallbacks', () => {
    const x = randn([2, 9, 9, 8], 7, 'x') as tf.Tensor4D;
    const w3 = randn([3, 3, 8, 8], 8, 'w') as tf.Tensor4D;
    const w5 = randn([5, 5, 8, 4], 9, 'w5') as tf.Tensor4D;
    return [tf.conv2d(x, w3, 2, 'same'), tf.conv2d(x, w3, 1, 'same', 'NHWC', 2), tf.conv2d(x, w5, 1, 'same')];
  });
});

test('Winograd F(4,3) error stays small on a wide conv (64 -> 64)', async () => {
  // Relative to the largest output: the bound the model code can rely on.
  await assertMatchesCpu('64->64', () => tf.conv2d(randn([1, 16, 16, 64], 10, 'x') as tf.Tensor4D, randn([3, 3, 64, 64], 11, 'w') as tf.Tensor4D, 1, 'same'), 5e-5);
});
