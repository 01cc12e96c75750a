import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentBatch } from '../../src/data/augment.js';
import { Rng } from '../../src/rng/rng.js';

const SHAPE: [number, number, number] = [32, 32, 3];

function batch(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.uniform() + 0.5); // never 0
}

/** Independent reference: explicit zero-padded image, crop at (pad+dy, pad+dx), then mirror. */
function reference(img: Float32Array, h: number, w: number, c: number, pad: number, dy: number, dx: number, flip: boolean): Float32Array {
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const padded = new Float32Array(ph * pw * c);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) padded[((i + pad) * pw + j + pad) * c + k] = img[(i * w + j) * c + k];
  const crop = new Float32Array(h * w * c);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) crop[(i * w + j) * c + k] = padded[((i + pad + dy) * pw + j + pad + dx) * c + k];
  if (!flip) return crop;
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) out[(i * w + j) * c + k] = crop[(i * w + (w - 1 - j)) * c + k];
  return out;
}

test('matches an explicit pad-crop-flip reference, replaying the documented draw order', () => {
  const x = batch(16, 1);
  const out = augmentBatch(x, SHAPE, new Rng(42));
  assert.equal(out.length, x.length);
  const replay = new Rng(42);
  const size = 32 * 32 * 3;
  let flips = 0;
  for (let e = 0; e < 16; e++) {
    const dy = replay.int(9) - 4;
    const dx = replay.int(9) - 4;
    const flip = replay.uniform() < 0.5;
    flips += flip ? 1 : 0;
    const want = reference(x.subarray(e * size, (e + 1) * size), 32, 32, 3, 4, dy, dx, flip);
    assert.deepEqual(out.subarray(e * size, (e + 1) * size), want, `example ${e}`);
  }
  assert.ok(flips > 0 && flips < 16);
});

test('deterministic per seed and differs across seeds; input untouched', () => {
  const x = batch(8, 2);
  const copy = x.slice();
  assert.deepEqual(augmentBatch(x, SHAPE, new Rng(5)), augmentBatch(x, SHAPE, new Rng(5)));
  assert.notDeepEqual(augmentBatch(x, SHAPE, new Rng(5)), augmentBatch(x, SHAPE, new Rng(6)));
  assert.deepEqual(x, copy);
});

test('without padding every example is itself or its exact mirror image', () => {
  // 2x3 images, 1 channel: row 0 = 1 2 3, row 1 = 4 5 6.
  const x = new Float32Array(Array.from({ length: 40 }, () => [1, 2, 3, 4, 5, 6]).flat());
  const out = augmentBatch(x, [2, 3, 1], new Rng(9), { pad: 0 });
  let flipped = 0;
  for (let e = 0; e < 40; e++) {
    const got = Array.from(out.subarray(e * 6, e * 6 + 6));
    if (got[0] === 3) {
      assert.deepEqual(got, [3, 2, 1, 6, 5, 4]);
      flipped++;
    } else assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
  }
  assert.ok(flipped > 5 && flipped < 35, `flipped ${flipped} of 40`);
});

test('padding shows as the fill value and crops reach every offset', () => {
  const x = new Float32Array(200 * 3 * 3).fill(1); // 200 3x3 single-channel images of ones
  const out = augmentBatch(x, [3, 3, 1], new Rng(1), { pad: 1, flip: false, fill: [-7] });
  for (const v of out) assert.ok(v === 1 || v === -7);
  const centre = (e: number) => out[e * 9 + 4];
  for (let e = 0; e < 200; e++) assert.equal(centre(e), 1); // the centre pixel is always inside
  const patterns = new Set<string>();
  for (let e = 0; e < 200; e++) patterns.add(Array.from(out.subarray(e * 9, e * 9 + 9), (v) => (v === 1 ? 1 : 0)).join(''));
  assert.equal(patterns.size, 9); // 3x3 offsets
});
