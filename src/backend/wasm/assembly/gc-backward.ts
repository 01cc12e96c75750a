// Elementwise steps of the stacked exact-GC backward pass (src/metrics/vjp-stacked.ts): the
// cotangents of K logits are stacked as K copies of the batch, [K*M] floats, while what the
// forward pass saved (relu inputs, batch-norm scales) has one copy, [M]. Pointers are byte
// offsets into tfjs's memory; outputs never alias inputs.

/** out[k*m + i] = x[i] > 0 ? dy[k*m + i] : 0 for k < kk (ReLU backward, x the relu input). */
export function reluGradStacked(dy: usize, x: usize, out: usize, kk: i32, m: i32): void {
  const zero = f32x4.splat(0);
  const bytes = <usize>m << 2;
  for (let k = 0; k < kk; k++) {
    const d = dy + <usize>k * bytes, o = out + <usize>k * bytes;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const q = <usize>i << 2;
      v128.store(o + q, v128.and(v128.load(d + q), f32x4.gt(v128.load(x + q), zero)));
    }
    for (; i < m; i++) {
      const q = <usize>i << 2;
      store<f32>(o + q, load<f32>(x + q) > 0 ? load<f32>(d + q) : 0);
    }
  }
}

/** out[r*c + j] = dy[r*c + j] * s[j] for r < rows (a per-channel scale, e.g. inference batch norm). */
export function mulChannels(dy: usize, s: usize, out: usize, rows: i32, c: i32): void {
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const d = dy + <usize>r * rowBytes, o = out + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const q = <usize>j << 2;
      v128.store(o + q, f32x4.mul(v128.load(d + q), v128.load(s + q)));
    }
    for (; j < c; j++) {
      const q = <usize>j << 2;
      store<f32>(o + q, load<f32>(d + q) * load<f32>(s + q));
    }
  }
}

/** out[r, p, j] = dy[r, j] * scale for p < hw (backward of a mean over the hw middle positions). */
export function spreadRows(dy: usize, out: usize, rows: i32, hw: i32, c: i32, scale: f32): void {
  const rowBytes = <usize>c << 2;
  const sv = f32x4.splat(scale);
  let o = out;
  for (let r = 0; r < rows; r++) {
    const d = dy + <usize>r * rowBytes;
    for (let p = 0; p < hw; p++, o += rowBytes) {
      let j = 0;
      for (; j + 4 <= c; j += 4) {
        const q = <usize>j << 2;
        v128.store(o + q, f32x4.mul(v128.load(d + q), sv));
      }
      for (; j < c; j++) {
        const q = <usize>j << 2;
        store<f32>(o + q, load<f32>(d + q) * scale);
      }
    }
  }
}

/** out[i] = a[i] + b[i] for n floats (summing the cotangents a tensor receives from two consumers). */
export function add2(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 2;
    v128.store(out + q, f32x4.add(v128.load(a + q), v128.load(b + q)));
  }
  for (; i < n; i++) {
    const q = <usize>i << 2;
    store<f32>(out + q, load<f32>(a + q) + load<f32>(b + q));
  }
}
