/**
 * An independent float64 oracle for GC of gc-run's `cnn` arch (3x3 valid conv + ReLU + 2x2
 * stride-2 max-pool per stage, flatten, dense layers): weights read straight from a saved
 * model's weights.bin (no tfjs), the Jacobian back-propagated by hand, one class at a time.
 * Max-pool convention: the first maximum of each window in row-major order takes the gradient;
 * ReLU'(0) = 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Layer { name: string; shape: number[]; values: Float64Array }

/** The weights of `<dir>/model.json` in manifest order, as float64. */
export function readWeights(dir: string): Layer[] {
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const layers: Layer[] = [];
  for (const group of model.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p: string) => readFileSync(join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a: number, b: number) => a * b, 1);
      const f32 = new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + 4 * n));
      layers.push({ name: w.name, shape: w.shape, values: Float64Array.from(f32) });
      off += 4 * n;
    }
  }
  return layers;
}

interface Act { h: number; w: number; c: number; v: Float64Array }

function conv(x: Act, k: Layer, b: Layer): Act {
  const [kh, kw, ci, co] = k.shape;
  const h = x.h - kh + 1, w = x.w - kw + 1;
  const v = new Float64Array(h * w * co);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let o = 0; o < co; o++) {
    let s = b.values[o];
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let c = 0; c < ci; c++) s += x.v[((i + p) * x.w + j + q) * ci + c] * k.values[((p * kw + q) * ci + c) * co + o];
    v[(i * w + j) * co + o] = s;
  }
  return { h, w, c: co, v };
}

function convBack(dy: Act, k: Layer, x: Act): Float64Array {
  const [kh, kw, ci, co] = k.shape;
  const dx = new Float64Array(x.v.length);
  for (let i = 0; i < dy.h; i++) for (let j = 0; j < dy.w; j++) for (let o = 0; o < co; o++) {
    const g = dy.v[(i * dy.w + j) * co + o];
    if (g === 0) continue;
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let c = 0; c < ci; c++) dx[((i + p) * x.w + j + q) * ci + c] += g * k.values[((p * kw + q) * ci + c) * co + o];
  }
  return dx;
}

/** 2x2 stride-2 valid max-pool; arg: flat index into x of each window's first maximum. */
function pool(x: Act): { y: Act; arg: Int32Array } {
  const h = Math.floor(x.h / 2), w = Math.floor(x.w / 2), c = x.c;
  const v = new Float64Array(h * w * c), arg = new Int32Array(h * w * c);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let d = 0; d < c; d++) {
    let best = -Infinity, at = -1;
    for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) {
      const idx = ((2 * i + p) * x.w + 2 * j + q) * c + d;
      if (at < 0 || x.v[idx] > best) { best = x.v[idx]; at = idx; }
    }
    v[(i * w + j) * c + d] = best;
    arg[(i * w + j) * c + d] = at;
  }
  return { y: { h, w, c, v }, arg };
}

/**
 * ||∂f(x)/∂x||_F² of one example x [H, W, C] (flat, NHWC without the batch) for a cnn whose
 * weights are [conv kernel, bias]×stages then [dense kernel, bias]×layers (manifest order).
 * Also returns how many pooling windows held a tied maximum (exact float64 ties).
 */
export function cnnJacobianSqNorm(layers: Layer[], x: Float64Array, shape: [number, number, number]): { sq: number; ties: number } {
  const convs = layers.filter((l) => l.shape.length === 4).length;
  let a: Act = { h: shape[0], w: shape[1], c: shape[2], v: x };
  const stages: { input: Act; pre: Act; pooled: { y: Act; arg: Int32Array } }[] = [];
  let ties = 0;
  for (let s = 0; s < convs; s++) {
    const pre = conv(a, layers[2 * s], layers[2 * s + 1]);
    const act: Act = { ...pre, v: pre.v.map((t) => (t > 0 ? t : 0)) };
    const pooled = pool(act);
    for (let o = 0; o < pooled.arg.length; o++) {
      // a tie: another element of the window equals the maximum
      const at = pooled.arg[o], m = act.v[at], c = act.c, d = at % c, pix = Math.floor(at / c);
      const i0 = Math.floor(Math.floor(pix / act.w) / 2) * 2, j0 = Math.floor((pix % act.w) / 2) * 2;
      let eq = 0;
      for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) if (act.v[((i0 + p) * act.w + j0 + q) * c + d] === m) eq++;
      if (eq > 1) ties++;
    }
    stages.push({ input: a, pre, pooled });
    a = pooled.y;
  }
  // dense chain on the flattened (h, w, c) activation
  const dense = layers.slice(2 * convs);
  const hs: Float64Array[] = [a.v];
  for (let l = 0; l < dense.length; l += 2) {
    const [nin, nout] = dense[l].shape, h = hs[hs.length - 1], y = new Float64Array(nout);
    for (let o = 0; o < nout; o++) { let s = dense[l + 1].values[o]; for (let i = 0; i < nin; i++) s += h[i] * dense[l].values[i * nout + o]; y[o] = s; }
    hs.push(l + 2 < dense.length ? y.map((t) => (t > 0 ? t : 0)) : y);
  }
  const classes = dense[dense.length - 2].shape[1];
  let sq = 0;
  for (let k = 0; k < classes; k++) {
    let g: Float64Array = new Float64Array(classes);
    g[k] = 1;
    for (let l = dense.length - 2; l >= 0; l -= 2) {
      const [nin, nout] = dense[l].shape, back = new Float64Array(nin);
      for (let i = 0; i < nin; i++) { let s = 0; for (let o = 0; o < nout; o++) s += g[o] * dense[l].values[i * nout + o]; back[i] = s; }
      // relu of the hidden dense layer below (not of the flattened conv output)
      if (l > 0) for (let i = 0; i < nin; i++) if (!(hs[l / 2][i] > 0)) back[i] = 0;
      g = back;
    }
    for (let s = convs - 1; s >= 0; s--) {
      const { input, pre, pooled } = stages[s];
      const dAct = new Float64Array(pre.v.length);
      pooled.arg.forEach((at, o) => (dAct[at] += g[o]));
      for (let i = 0; i < dAct.length; i++) if (!(pre.v[i] > 0)) dAct[i] = 0;
      g = convBack({ ...pre, v: dAct }, layers[2 * s], input);
    }
    for (const t of g) sq += t * t;
  }
  return { sq, ties };
}
