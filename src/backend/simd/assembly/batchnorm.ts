// BatchNorm forward on channels-last float32 tensors. Pointers are byte offsets into tfjs's memory.

/**
 * out[j, k] = max((x[j, k] - mean[k]) * mul[k] + offset[k], floor) for x [m, c], where the caller
 * folds mul = scale / sqrt(variance + epsilon) (c floats) beforehand. floor = 0 fuses a relu;
 * floor = -Infinity leaves every value (NaN and -0 included) as it is.
 */
export function batchNormRows(m: i32, c: i32, x: usize, mean: usize, mul: usize, offset: usize, floor: f32, out: usize): void {
  const rowBytes = <usize>c << 2;
  const floorV = f32x4.splat(floor);
  for (let j = 0; j < m; j++) {
    const base = <usize>j * rowBytes;
    const s = x + base;
    const d = out + base;
    let k = 0;
    for (; k + 4 <= c; k += 4) {
      const o = <usize>k << 2;
      const v = f32x4.sub(v128.load(s + o), v128.load(mean + o));
      v128.store(d + o, f32x4.max(f32x4.add(f32x4.mul(v, v128.load(mul + o)), v128.load(offset + o)), floorV));
    }
    for (; k < c; k++) {
      const o = <usize>k << 2;
      store<f32>(d + o, max<f32>((load<f32>(s + o) - load<f32>(mean + o)) * load<f32>(mul + o) + load<f32>(offset + o), floor));
    }
  }
}

/** Rows accumulated in registers before being added into the output (bounds float32 error growth). */
const GRAD_BLOCK: i32 = 64;

/**
 * BatchNorm gradient sums for dy, x [m, c] and mean [c] in one read of dy and x:
 * out[k] = sum_j dy[j, k] and out[c + k] = sum_j dy[j, k] * (x[j, k] - mean[k]).
 * Channels go 8 at a time down blocks of GRAD_BLOCK rows in registers.
 */
export function bnGradSums(m: i32, c: i32, dy: usize, x: usize, mean: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  const c8 = c & ~7;
  memory.fill(out, 0, rowBytes << 1);
  for (let j0 = 0; j0 < m; j0 += GRAD_BLOCK) {
    const j1 = min<i32>(m, j0 + GRAD_BLOCK);
    let k = 0;
    for (; k < c8; k += 8) {
      const ko = <usize>k << 2;
      const m0 = v128.load(mean + ko);
      const m1 = v128.load(mean + ko, 16);
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let t0 = f32x4.splat(0);
      let t1 = f32x4.splat(0);
      const off = <usize>j0 * rowBytes + ko;
      let pd = dy + off;
      let px = x + off;
      for (let j = j0; j < j1; j++) {
        const d0 = v128.load(pd);
        const d1 = v128.load(pd, 16);
        s0 = f32x4.add(s0, d0);
        s1 = f32x4.add(s1, d1);
        t0 = f32x4.add(t0, f32x4.mul(d0, f32x4.sub(v128.load(px), m0)));
        t1 = f32x4.add(t1, f32x4.mul(d1, f32x4.sub(v128.load(px, 16), m1)));
        pd += rowBytes;
        px += rowBytes;
      }
      const o1 = out + ko;
      const o2 = o1 + rowBytes;
      v128.store(o1, f32x4.add(v128.load(o1), s0));
      v128.store(o1, f32x4.add(v128.load(o1, 16), s1), 16);
      v128.store(o2, f32x4.add(v128.load(o2), t0));
      v128.store(o2, f32x4.add(v128.load(o2, 16), t1), 16);
    }
    for (; k < c; k++) {
      const ko = <usize>k << 2;
      const mk = load<f32>(mean + ko);
      let s: f32 = 0;
      let t: f32 = 0;
      const off = <usize>j0 * rowBytes + ko;
      let pd = dy + off;
      let px = x + off;
      for (let j = j0; j < j1; j++) {
        const d = load<f32>(pd);
        s += d;
        t += d * (load<f32>(px) - mk);
        pd += rowBytes;
        px += rowBytes;
      }
      store<f32>(out + ko, load<f32>(out + ko) + s);
      store<f32>(out + ko + rowBytes, load<f32>(out + ko + rowBytes) + t);
    }
  }
}

/** out[i] = a[i] * (b[i] * s) for n floats (tfjs-core's Square gradient mul(dy, mul(x, 2)) in one pass). */
export function mulScaled(n: i32, a: usize, b: usize, s: f32, out: usize): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), f32x4.mul(v128.load(b + o), sv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * (load<f32>(b + o) * s));
  }
}
