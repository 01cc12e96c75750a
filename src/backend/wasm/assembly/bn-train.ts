// Training-mode batch norm on channels-last float32 [m, c] (m = N*H*W rows). Pointers are byte
// offsets into tfjs's memory. Used by src/backend/wasm/bn-train.ts.

/** Rows summed in float32 (in the caller's scratch) before being added into the f64 accumulators. */
const MOM_BLOCK: i32 = 64;

/**
 * Per-channel mean and biased variance of x [m, c] in one read of x. Each channel is shifted by
 * its first row (so sum of squares does not cancel when |mean| >> std); block sums of MOM_BLOCK
 * rows in float32 go into f64 accumulators. acc: caller's scratch of 6c floats (2c doubles, then
 * the 2c float32 block sums). Writes mean [c] and variance [c] (float32).
 * Rows are walked in order, two per step (row j's and j+1's terms added, then into the block sum):
 * walking down one channel column at a time measured ~1.6x slower (strided, latency bound).
 */
export function bnMoments(m: i32, c: i32, x: usize, acc: usize, mean: usize, variance: usize): void {
  const rowBytes = <usize>c << 2;
  const vecBytes = <usize>(c & ~3) << 2;
  const sb = acc + (<usize>c << 4);
  const qb = sb + rowBytes;
  memory.fill(acc, 0, <usize>c << 4);
  for (let j0 = 0; j0 < m; j0 += MOM_BLOCK) {
    const j1 = min<i32>(m, j0 + MOM_BLOCK);
    memory.fill(sb, 0, rowBytes << 1);
    let px = x + <usize>j0 * rowBytes;
    let j = j0;
    for (; j + 2 <= j1; j += 2) {
      let k: usize = 0;
      for (; k < vecBytes; k += 16) {
        const h = v128.load(x + k);
        const d = f32x4.sub(v128.load(px + k), h);
        const e = f32x4.sub(v128.load(px + rowBytes + k), h);
        v128.store(sb + k, f32x4.add(v128.load(sb + k), f32x4.add(d, e)));
        v128.store(qb + k, f32x4.add(v128.load(qb + k), f32x4.add(f32x4.mul(d, d), f32x4.mul(e, e))));
      }
      for (; k < rowBytes; k += 4) {
        const h = load<f32>(x + k);
        const d = load<f32>(px + k) - h;
        const e = load<f32>(px + rowBytes + k) - h;
        store<f32>(sb + k, load<f32>(sb + k) + (d + e));
        store<f32>(qb + k, load<f32>(qb + k) + (d * d + e * e));
      }
      px += rowBytes << 1;
    }
    if (j < j1) {
      for (let k: usize = 0; k < rowBytes; k += 4) {
        const d = load<f32>(px + k) - load<f32>(x + k);
        store<f32>(sb + k, load<f32>(sb + k) + d);
        store<f32>(qb + k, load<f32>(qb + k) + d * d);
      }
    }
    for (let k = 0; k < c; k++) {
      const a = acc + (<usize>k << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(sb + (<usize>k << 2)));
      store<f64>(a + (<usize>c << 3), load<f64>(a + (<usize>c << 3)) + <f64>load<f32>(qb + (<usize>k << 2)));
    }
  }
  const inv = 1.0 / <f64>m;
  for (let k = 0; k < c; k++) {
    const ko = <usize>k << 2;
    const d = load<f64>(acc + (<usize>k << 3)) * inv;
    const v = load<f64>(acc + (<usize>(c + k) << 3)) * inv - d * d;
    store<f32>(mean + ko, <f32>(<f64>load<f32>(x + ko) + d));
    store<f32>(variance + ko, <f32>max<f64>(v, 0));
  }
}

/**
 * Per-channel affine of one or two inputs, p, q [m, c] and a, b, t [c]:
 * out[j, k] = p[j, k] * a[k] + q[j, k] * b[k] + t[k] (hasQ != 0), or p[j, k] * a[k] + t[k].
 * The dx of batch norm's backward (p = dy, q = x) in one pass.
 */
export function channelAffine(m: i32, c: i32, p: usize, a: usize, q: usize, b: usize, t: usize, hasQ: i32, out: usize): void {
  const rowBytes = <usize>c << 2;
  const c4 = c & ~3;
  for (let j = 0; j < m; j++) {
    const base = <usize>j * rowBytes;
    const sp = p + base;
    const sq = q + base;
    const d = out + base;
    let k = 0;
    if (hasQ != 0) {
      for (; k < c4; k += 4) {
        const o = <usize>k << 2;
        const r = f32x4.add(f32x4.mul(v128.load(sp + o), v128.load(a + o)), f32x4.mul(v128.load(sq + o), v128.load(b + o)));
        v128.store(d + o, f32x4.add(r, v128.load(t + o)));
      }
      for (; k < c; k++) {
        const o = <usize>k << 2;
        store<f32>(d + o, load<f32>(sp + o) * load<f32>(a + o) + load<f32>(sq + o) * load<f32>(b + o) + load<f32>(t + o));
      }
    } else {
      for (; k < c4; k += 4) {
        const o = <usize>k << 2;
        v128.store(d + o, f32x4.add(f32x4.mul(v128.load(sp + o), v128.load(a + o)), v128.load(t + o)));
      }
      for (; k < c; k++) {
        const o = <usize>k << 2;
        store<f32>(d + o, load<f32>(sp + o) * load<f32>(a + o) + load<f32>(t + o));
      }
    }
  }
}

// ---- Batch norm followed by relu (GcBatchNormTrain with relu, and its backward). The backward's
// relu mask is recomputed from x, which those passes read anyway: (x - mean) * mul + offset > 0
// with the forward's float32 mean, mul and offset and the same operations, so bit for bit the
// forward's y > 0, without reading y (one stream fewer in memory-bound passes). The sums pass is
// batch-norm.ts's bnGradSums with its relu flag set; the dx pass is below.

/**
 * out[j, k] = g[j, k] * a[k] + q[j, k] * b[k] + t[k] for p, q [m, c] and a, b, t, mean, mul,
 * offset [c], with g = p where (q - mean) * mul + offset > 0 else 0: the dx of batch norm +
 * relu's backward (p = dy, q = x; the forward's relu mask) in one pass.
 */
export function channelAffineRelu(m: i32, c: i32, p: usize, a: usize, q: usize, b: usize, t: usize, mean: usize, mul: usize, offset: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  const c4 = c & ~3;
  const zero = f32x4.splat(0);
  let j = 0;
  // Two rows per step share the six per-channel loads (the pass is instruction bound).
  for (; j + 2 <= m; j += 2) {
    const base = <usize>j * rowBytes;
    const sp = p + base;
    const sq = q + base;
    const d = out + base;
    for (let k = 0; k < c4; k += 4) {
      const o = <usize>k << 2;
      const mv = v128.load(mean + o);
      const uv = v128.load(mul + o);
      const fv = v128.load(offset + o);
      const av = v128.load(a + o);
      const bv = v128.load(b + o);
      const tv = v128.load(t + o);
      const x0 = v128.load(sq + o);
      const x1 = v128.load(sq + o + rowBytes);
      const g0 = v128.and(v128.load(sp + o), f32x4.gt(f32x4.add(f32x4.mul(f32x4.sub(x0, mv), uv), fv), zero));
      const g1 = v128.and(v128.load(sp + o + rowBytes), f32x4.gt(f32x4.add(f32x4.mul(f32x4.sub(x1, mv), uv), fv), zero));
      v128.store(d + o, f32x4.add(f32x4.add(f32x4.mul(g0, av), f32x4.mul(x0, bv)), tv));
      v128.store(d + o + rowBytes, f32x4.add(f32x4.add(f32x4.mul(g1, av), f32x4.mul(x1, bv)), tv));
    }
    for (let k = c4; k < c; k++) {
      for (let r = 0; r < 2; r++) {
        const o = (<usize>k << 2) + <usize>r * rowBytes;
        const ko = <usize>k << 2;
        const xq = load<f32>(sq + o);
        const g: f32 = (xq - load<f32>(mean + ko)) * load<f32>(mul + ko) + load<f32>(offset + ko) > 0 ? load<f32>(sp + o) : 0;
        store<f32>(d + o, g * load<f32>(a + ko) + xq * load<f32>(b + ko) + load<f32>(t + ko));
      }
    }
  }
  for (; j < m; j++) {
    const base = <usize>j * rowBytes;
    const sp = p + base;
    const sq = q + base;
    const d = out + base;
    let k = 0;
    for (; k < c4; k += 4) {
      const o = <usize>k << 2;
      const xv = v128.load(sq + o);
      const on = f32x4.gt(f32x4.add(f32x4.mul(f32x4.sub(xv, v128.load(mean + o)), v128.load(mul + o)), v128.load(offset + o)), zero);
      const g = v128.and(v128.load(sp + o), on);
      const r = f32x4.add(f32x4.mul(g, v128.load(a + o)), f32x4.mul(xv, v128.load(b + o)));
      v128.store(d + o, f32x4.add(r, v128.load(t + o)));
    }
    for (; k < c; k++) {
      const o = <usize>k << 2;
      const xq = load<f32>(sq + o);
      const g: f32 = (xq - load<f32>(mean + o)) * load<f32>(mul + o) + load<f32>(offset + o) > 0 ? load<f32>(sp + o) : 0;
      store<f32>(d + o, g * load<f32>(a + o) + xq * load<f32>(b + o) + load<f32>(t + o));
    }
  }
}
