// BatchNorm forward on channels-last float32 tensors. Pointers are byte offsets into tfjs's memory.

/**
 * out[j, k] = (x[j, k] - mean[k]) * mul[k] + offset[k] for x [m, c], where the caller folds
 * mul = scale / sqrt(variance + epsilon) (c floats) beforehand.
 */
export function batchNormRows(m: i32, c: i32, x: usize, mean: usize, mul: usize, offset: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  for (let j = 0; j < m; j++) {
    const base = <usize>j * rowBytes;
    const s = x + base;
    const d = out + base;
    let k = 0;
    for (; k + 4 <= c; k += 4) {
      const o = <usize>k << 2;
      const v = f32x4.sub(v128.load(s + o), v128.load(mean + o));
      v128.store(d + o, f32x4.add(f32x4.mul(v, v128.load(mul + o)), v128.load(offset + o)));
    }
    for (; k < c; k++) {
      const o = <usize>k << 2;
      store<f32>(d + o, (load<f32>(s + o) - load<f32>(mean + o)) * load<f32>(mul + o) + load<f32>(offset + o));
    }
  }
}
