// BatchNorm forward on channels-last float32 tensors. Pointers are byte offsets into tfjs's memory.

/**
 * out[j, k] = max((x[j, k] - mean[k]) * mul[k] + offset[k], floor) for x [m, c], where the caller
 * folds mul = scale / sqrt(variance + epsilon) (c floats) beforehand. floor = 0 fuses a relu;
 * floor = -Infinity leaves every value (NaN and -0 included) as it is.
 * V8's f32x4.max (NaN and signed-zero handling) measured ~25% of this pass, so the two floors used
 * take cheaper exact routes: -Infinity skips the max; +0 takes pmax (v < 0 ? 0 : v, NaN kept),
 * plus +0 to turn -0 into max's +0. Other floors keep f32x4.max.
 */
export function batchNormRows(m: i32, c: i32, x: usize, mean: usize, mul: usize, offset: usize, floor: f32, out: usize): void {
  const mode = floor == -Infinity ? 0 : floor == 0 && reinterpret<i32>(floor) == 0 ? 1 : 2;
  if (mode == 0) normRows(m, c, x, mean, mul, offset, floor, out, 0);
  else if (mode == 1) normRows(m, c, x, mean, mul, offset, floor, out, 1);
  else normRows(m, c, x, mean, mul, offset, floor, out, 2);
}

/** batchNormRows's loop for one floor mode (see there); inlined with mode constant. */
@inline function normRows(m: i32, c: i32, x: usize, mean: usize, mul: usize, offset: usize, floor: f32, out: usize, mode: i32): void {
  const rowBytes = <usize>c << 2;
  const vecBytes = <usize>(c & ~3) << 2;
  const floorV = f32x4.splat(floor);
  const zero = f32x4.splat(0);
  let s = x;
  let d = out;
  for (let j = 0; j < m; j++) {
    let o: usize = 0;
    for (; o < vecBytes; o += 16) {
      const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(s + o), v128.load(mean + o)), v128.load(mul + o)), v128.load(offset + o));
      if (mode == 0) v128.store(d + o, v);
      else if (mode == 1) v128.store(d + o, f32x4.add(f32x4.pmax(v, floorV), zero));
      else v128.store(d + o, f32x4.max(v, floorV));
    }
    for (; o < rowBytes; o += 4) {
      store<f32>(d + o, max<f32>((load<f32>(s + o) - load<f32>(mean + o)) * load<f32>(mul + o) + load<f32>(offset + o), floor));
    }
    s += rowBytes;
    d += rowBytes;
  }
}

/** Rows summed in float32 block sums before being added into the output (bounds float32 error growth). */
const GRAD_BLOCK: i32 = 64;

/**
 * BatchNorm gradient sums for dy, x [m, c] and mean [c] in one read of dy and x:
 * out[k] = sum_j g[j, k] and out[c + k] = sum_j g[j, k] * (x[j, k] - mean[k]), where g = dy
 * (relu == 0; mul and offset are not read) or, with relu != 0, g = dy where
 * (x - mean) * mul + offset > 0 else 0 for mul, offset [c]: the forward's relu mask of batch
 * norm + relu, recomputed from x with the forward's float32 mean, mul and offset and the same
 * operations (bit for bit its y > 0, without reading y: one stream fewer in a memory-bound pass).
 * scratch: 2c floats for the block sums of GRAD_BLOCK rows. Rows are walked in order, two per
 * step (row j's and j+1's terms added, then into the block sum): walking down one channel column
 * at a time measured ~2x slower (strided loads, a loop-carried add per row). Both flags share
 * this order, so the relu sums are the plain sums of the masked dy bit for bit.
 */
export function bnGradSums(m: i32, c: i32, dy: usize, x: usize, mean: usize, mul: usize, offset: usize, relu: i32, out: usize, scratch: usize): void {
  if (relu != 0) gradSums<bool>(m, c, dy, x, mean, mul, offset, out, scratch);
  else gradSums<i32>(m, c, dy, x, mean, mul, offset, out, scratch);
}

/**
 * bnGradSums's loop for one relu flag (see there): Masked = bool is the relu loop, any other type
 * the plain one. The flag is a type so that each copy is compiled with it constant and the plain
 * loop has no mask work at all: as an inlined bool argument, Binaryen folded the two copies back
 * into one loop testing the flag per vector (plain path measured 2-4% slower at [131072, 64],
 * 4-11% at [1000, 37]: bench/kernels/bn-kernels-bench.ts).
 */
@inline function gradSums<Masked>(m: i32, c: i32, dy: usize, x: usize, mean: usize, mul: usize, offset: usize, out: usize, scratch: usize): void {
  const relu = isBoolean<Masked>();
  const rowBytes = <usize>c << 2;
  const vecBytes = <usize>(c & ~3) << 2;
  const zero = f32x4.splat(0);
  const sb = scratch;
  const tb = scratch + rowBytes;
  memory.fill(out, 0, rowBytes << 1);
  for (let j0 = 0; j0 < m; j0 += GRAD_BLOCK) {
    const j1 = min<i32>(m, j0 + GRAD_BLOCK);
    memory.fill(sb, 0, rowBytes << 1);
    const off = <usize>j0 * rowBytes;
    let pd = dy + off;
    let px = x + off;
    let j = j0;
    for (; j + 2 <= j1; j += 2) {
      let k: usize = 0;
      for (; k < vecBytes; k += 16) {
        const mk = v128.load(mean + k);
        let d0 = v128.load(pd + k);
        let d1 = v128.load(pd + rowBytes + k);
        const x0 = f32x4.sub(v128.load(px + k), mk);
        const x1 = f32x4.sub(v128.load(px + rowBytes + k), mk);
        if (relu) {
          const uk = v128.load(mul + k);
          const fk = v128.load(offset + k);
          d0 = v128.and(d0, f32x4.gt(f32x4.add(f32x4.mul(x0, uk), fk), zero));
          d1 = v128.and(d1, f32x4.gt(f32x4.add(f32x4.mul(x1, uk), fk), zero));
        }
        v128.store(sb + k, f32x4.add(v128.load(sb + k), f32x4.add(d0, d1)));
        v128.store(tb + k, f32x4.add(v128.load(tb + k), f32x4.add(f32x4.mul(d0, x0), f32x4.mul(d1, x1))));
      }
      for (; k < rowBytes; k += 4) {
        const mk = load<f32>(mean + k);
        let d0 = load<f32>(pd + k);
        let d1 = load<f32>(pd + rowBytes + k);
        const x0 = load<f32>(px + k) - mk;
        const x1 = load<f32>(px + rowBytes + k) - mk;
        if (relu) {
          const uk = load<f32>(mul + k);
          const fk = load<f32>(offset + k);
          if (!(x0 * uk + fk > 0)) d0 = 0;
          if (!(x1 * uk + fk > 0)) d1 = 0;
        }
        store<f32>(sb + k, load<f32>(sb + k) + (d0 + d1));
        store<f32>(tb + k, load<f32>(tb + k) + (d0 * x0 + d1 * x1));
      }
      pd += rowBytes << 1;
      px += rowBytes << 1;
    }
    if (j < j1) {
      for (let k: usize = 0; k < rowBytes; k += 4) {
        let d = load<f32>(pd + k);
        const xc = load<f32>(px + k) - load<f32>(mean + k);
        if (relu && !(xc * load<f32>(mul + k) + load<f32>(offset + k) > 0)) d = 0;
        store<f32>(sb + k, load<f32>(sb + k) + d);
        store<f32>(tb + k, load<f32>(tb + k) + d * xc);
      }
    }
    addInto(out, sb, c << 1);
  }
}

/** dst[i] += src[i] for n floats. */
export function addInto(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  let k: usize = 0;
  for (; k < vecBytes; k += 16) v128.store(dst + k, f32x4.add(v128.load(dst + k), v128.load(src + k)));
  for (; k < bytes; k += 4) store<f32>(dst + k, load<f32>(dst + k) + load<f32>(src + k));
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
