// Elementwise float32 kernels (binary ops with the broadcasts training uses, unary ops, casts).
// Every pointer is a byte offset into tfjs's wasm memory; outputs may not alias inputs partially
// (out == input is fine: each element is read before it is written). No allocation, no globals.

// Binary op codes (the TS side passes them; keep in sync with wasm/elementwise.ts).
// 0 add, 1 sub, 2 mul, 3 div, 4 squared difference, 5 maximum, 6 minimum.

@inline function binV(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  if (op == 3) return f32x4.div(a, b);
  if (op == 4) {
    const d = f32x4.sub(a, b);
    return f32x4.mul(d, d);
  }
  // wasm max/min propagate NaN, as Math.max/Math.min (the cpu backend) do.
  if (op == 5) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

@inline function binS(op: i32, a: f32, b: f32): f32 {
  if (op == 0) return a + b;
  if (op == 1) return a - b;
  if (op == 2) return a * b;
  if (op == 3) return a / b;
  if (op == 4) return (a - b) * (a - b);
  if (op == 5) return max<f32>(a, b);
  return min<f32>(a, b);
}

/** out[i] = a[i] op b[i], i < n. */
@inline function sameOp(op: i32, n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const r0 = binV(op, v128.load(a + o), v128.load(b + o));
    const r1 = binV(op, v128.load(a + o, 16), v128.load(b + o, 16));
    v128.store(out + o, r0);
    v128.store(out + o, r1, 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, binS(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** out[i] = a[i] op s (swap = 0) or s op a[i] (swap = 1), i < n. */
@inline function scalarOp(op: i32, n: i32, a: usize, s: f32, out: usize, swap: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const x0 = v128.load(a + o);
    const x1 = v128.load(a + o, 16);
    v128.store(out + o, swap ? binV(op, sv, x0) : binV(op, x0, sv));
    v128.store(out + o, swap ? binV(op, sv, x1) : binV(op, x1, sv), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o);
    store<f32>(out + o, swap ? binS(op, s, x) : binS(op, x, s));
  }
}

/**
 * Row broadcast: `full` is [r, m, c], `small` is [r, 1, c]; out[i, j, k] = full[i, j, k] op
 * small[i, k] (swap = 0) or small[i, k] op full[i, j, k] (swap = 1).
 */
@inline function rowOp(op: i32, r: i32, m: i32, c: i32, full: usize, small: usize, out: usize, swap: i32): void {
  const rowBytes = <usize>c << 2;
  for (let i = 0; i < r; i++) {
    const s = small + <usize>i * rowBytes;
    for (let j = 0; j < m; j++) {
      const base = (<usize>i * <usize>m + <usize>j) * rowBytes;
      const f = full + base;
      const d = out + base;
      let k = 0;
      for (; k + 4 <= c; k += 4) {
        const o = <usize>k << 2;
        const x = v128.load(f + o);
        const y = v128.load(s + o);
        v128.store(d + o, swap ? binV(op, y, x) : binV(op, x, y));
      }
      for (; k < c; k++) {
        const o = <usize>k << 2;
        const x = load<f32>(f + o);
        const y = load<f32>(s + o);
        store<f32>(d + o, swap ? binS(op, y, x) : binS(op, x, y));
      }
    }
  }
}

/** Same-shape binary op `op` (codes above) on n floats. */
export function binSame(op: i32, n: i32, a: usize, b: usize, out: usize): void {
  if (op == 0) sameOp(0, n, a, b, out);
  else if (op == 1) sameOp(1, n, a, b, out);
  else if (op == 2) sameOp(2, n, a, b, out);
  else if (op == 3) sameOp(3, n, a, b, out);
  else if (op == 4) sameOp(4, n, a, b, out);
  else if (op == 5) sameOp(5, n, a, b, out);
  else sameOp(6, n, a, b, out);
}

/** Binary op of n floats with a scalar: a[i] op s, or s op a[i] when swap = 1. */
export function binScalar(op: i32, n: i32, a: usize, s: f32, out: usize, swap: i32): void {
  if (op == 0) scalarOp(0, n, a, s, out, swap);
  else if (op == 1) scalarOp(1, n, a, s, out, swap);
  else if (op == 2) scalarOp(2, n, a, s, out, swap);
  else if (op == 3) scalarOp(3, n, a, s, out, swap);
  else if (op == 4) scalarOp(4, n, a, s, out, swap);
  else if (op == 5) scalarOp(5, n, a, s, out, swap);
  else scalarOp(6, n, a, s, out, swap);
}

/** Row-broadcast binary op: full [r, m, c] op small [r, 1, c] (swap = 1: small op full). */
export function binRows(op: i32, r: i32, m: i32, c: i32, full: usize, small: usize, out: usize, swap: i32): void {
  if (op == 0) rowOp(0, r, m, c, full, small, out, swap);
  else if (op == 1) rowOp(1, r, m, c, full, small, out, swap);
  else if (op == 2) rowOp(2, r, m, c, full, small, out, swap);
  else if (op == 3) rowOp(3, r, m, c, full, small, out, swap);
  else if (op == 4) rowOp(4, r, m, c, full, small, out, swap);
  else if (op == 5) rowOp(5, r, m, c, full, small, out, swap);
  else rowOp(6, r, m, c, full, small, out, swap);
}

// Unary op codes: 0 relu, 1 step(alpha), 2 square, 3 neg, 4 sqrt, 5 rsqrt, 6 abs, 7 reciprocal.

@inline function unV(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  // relu as the cpu backend: x < 0 ? 0 : x (NaN and -0 pass through).
  if (op == 0) return v128.andnot(x, f32x4.lt(x, zero));
  if (op == 1) {
    // step: NaN -> NaN, x > 0 -> 1, else alpha.
    const s = v128.bitselect(f32x4.splat(1), alpha, f32x4.gt(x, zero));
    return v128.bitselect(x, s, f32x4.ne(x, x));
  }
  if (op == 2) return f32x4.mul(x, x);
  if (op == 3) return f32x4.neg(x);
  if (op == 4) return f32x4.sqrt(x);
  if (op == 5) return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
  if (op == 6) return f32x4.abs(x);
  return f32x4.div(f32x4.splat(1), x);
}

@inline function unaryOp(op: i32, n: i32, x: usize, out: usize, alpha: f32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const r0 = unV(op, v128.load(x + o), av);
    const r1 = unV(op, v128.load(x + o, 16), av);
    v128.store(out + o, r0);
    v128.store(out + o, r1, 16);
  }
  // Tail through the same vector code, one lane at a time, so edge semantics match exactly.
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(unV(op, f32x4.splat(load<f32>(x + o)), av), 0));
  }
}

/** Unary op `op` (codes above) on n floats; alpha is Step's value for x <= 0. */
export function unary(op: i32, n: i32, x: usize, out: usize, alpha: f32): void {
  if (op == 0) unaryOp(0, n, x, out, alpha);
  else if (op == 1) unaryOp(1, n, x, out, alpha);
  else if (op == 2) unaryOp(2, n, x, out, alpha);
  else if (op == 3) unaryOp(3, n, x, out, alpha);
  else if (op == 4) unaryOp(4, n, x, out, alpha);
  else if (op == 5) unaryOp(5, n, x, out, alpha);
  else if (op == 6) unaryOp(6, n, x, out, alpha);
  else unaryOp(7, n, x, out, alpha);
}

/** out[i] = float(x[i]) for n bytes x (bool storage, 0/1) into float32 out. */
export function castU8F32(n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b = v128.load32_zero(x + <usize>i);
    const w = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(b));
    v128.store(out + (<usize>i << 2), f32x4.convert_i32x4_u(w));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(x + <usize>i));
}

/** out[i] = float(x[i]) for n int32 x into float32 out. */
export function castI32F32(n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.convert_i32x4_s(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>load<i32>(x + o));
  }
}

/**
 * Relu gradient: out[i] = dy[i] * step(x[i]) (step: NaN -> NaN, x > 0 -> 1, else 0), exactly
 * tfjs-core's mul(dy, step(x)) in one pass.
 */
export function reluGrad(n: i32, dy: usize, x: usize, out: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    v128.store(out + o, f32x4.mul(v128.load(dy + o), unV(1, xv, zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const s = f32x4.extract_lane(unV(1, f32x4.splat(load<f32>(x + o)), zero), 0);
    store<f32>(out + o, load<f32>(dy + o) * s);
  }
}
