/**
 * Kernels of the stacked exact-GC backward pass (src/metrics/vjp-stacked.ts) on wasm: K
 * cotangents stacked along the first axis ([K*N, ...]) meet what the forward pass saved once
 * ([N, ...]). Registered under names of their own (no stock kernels, no gradients: GC
 * measurement only); vjp-stacked falls back to tf ops on backends without them.
 * SIMD sources: src/backend/wasm/assembly/{gc-backward,pooling}.ts.
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ptr, simd } from '../simd.js';
import type { SimdExports } from '../kernels.generated.js';
import { maxPoolMask2x2 } from './pooling.js';
import type { Info } from '../kernel-call.js';
import { GC_ADD, MAX_POOL_MASK_2X2, MUL_CHANNELS, RELU_GRAD_STACKED, SPREAD_ROWS, UNPOOL_MASKED_2X2 } from '../kernel-names.js';

type GcExports = Pick<SimdExports, 'reluGradStacked' | 'mulChannels' | 'spreadRows' | 'add2' | 'unpoolMasked2x2'>;

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

const size = (t: Info) => t.shape.reduce((p, d) => p * d, 1);

function run(args: Args, shape: number[], body: (k: GcExports, out: Info, b: BackendWasm) => void): Info {
  const b = args.backend as BackendWasm;
  for (const t of Object.values(args.inputs)) if ((t as Info).dtype !== 'float32') throw new Error('GC stacked kernels take float32 only');
  const out = b.makeOutput(shape, 'float32');
  if (size(out) > 0) body(simd(b), out, b);
  return out;
}

/** GcReluGradStacked: dy [k*N, ...], x [N, ...] (relu input), attr k -> dy * (x > 0), dy's shape. */
function reluGradStacked(args: Args): Info {
  const { dy, x } = args.inputs as { dy: Info; x: Info };
  const k = args.attrs.k as number;
  if (size(dy) !== k * size(x)) throw new Error('GcReluGradStacked: dy must hold k copies of x');
  return run(args, dy.shape, (e, out, b) => e.reluGradStacked(ptr(b, dy), ptr(b, x), ptr(b, out), k, size(x)));
}

/** GcMulChannels: dy [..., C] times s [C] (per last-axis channel). */
function mulChannels(args: Args): Info {
  const { dy, s } = args.inputs as { dy: Info; s: Info };
  const c = size(s);
  if (dy.shape[dy.shape.length - 1] !== c) throw new Error('GcMulChannels: s must match the last axis');
  return run(args, dy.shape, (e, out, b) => e.mulChannels(ptr(b, dy), ptr(b, s), ptr(b, out), size(dy) / c, c));
}

/** GcSpreadRows: dy [R, C] (or [R,1,1,C]), attrs shape [R,H,W,C], scale -> dy[r,c] * scale at every (h, w). */
function spreadRows(args: Args): Info {
  const { dy } = args.inputs as { dy: Info };
  const shape = args.attrs.shape as number[];
  const [r, h, w, c] = shape;
  if (size(dy) !== r * c) throw new Error('GcSpreadRows: dy must be [R, C]');
  return run(args, shape, (e, out, b) => e.spreadRows(ptr(b, dy), ptr(b, out), r, h * w, c, args.attrs.scale as number));
}

/** GcAdd: a + b of equal sizes (a's shape). */
function add(args: Args): Info {
  const { a, b: q } = args.inputs as { a: Info; b: Info };
  if (size(a) !== size(q)) throw new Error('GcAdd: sizes differ');
  return run(args, a.shape, (e, out, b) => e.add2(ptr(b, a), ptr(b, q), ptr(b, out), size(a)));
}

/** GcMaxPoolMask2x2: x [N,H,W,C], attrs oh, ow -> 0/1 mask of each plain 2x2 stride-2 window's first maximum. */
function maxPoolMask(args: Args): Info {
  const { x } = args.inputs as { x: Info };
  if (x.dtype !== 'float32') throw new Error('GcMaxPoolMask2x2 takes float32 only');
  return maxPoolMask2x2(args.backend as BackendWasm, x, args.attrs.oh as number, args.attrs.ow as number);
}

/** GcUnpoolMasked2x2: dy [k*N,OH,OW,C], mask [N,H,W,C], attr k -> dx [k*N,H,W,C] = mask * nearest-upsampled dy. */
function unpoolMasked(args: Args): Info {
  const { dy, mask } = args.inputs as { dy: Info; mask: Info };
  const k = args.attrs.k as number;
  const [n, h, w, c] = mask.shape;
  const [kn, oh, ow] = dy.shape;
  if (kn !== k * n || dy.shape[3] !== c || 2 * oh > h || 2 * ow > w) throw new Error('GcUnpoolMasked2x2: shapes do not match');
  return run(args, [kn, h, w, c], (e, out, b) => e.unpoolMasked2x2(ptr(b, dy), ptr(b, mask), ptr(b, out), k, n, h, w, c, oh, ow));
}

/** The stacked-GC kernels by name (registered by registerWasmKernels). */
export const GC_KERNELS: [string, (args: Args) => Info][] = [
  [RELU_GRAD_STACKED, reluGradStacked],
  [MUL_CHANNELS, mulChannels],
  [SPREAD_ROWS, spreadRows],
  [GC_ADD, add],
  [MAX_POOL_MASK_2X2, maxPoolMask],
  [UNPOOL_MASKED_2X2, unpoolMasked],
];
