/**
 * Unary float32 kernels (Relu, Step, Square, Neg, Sqrt, Rsqrt, Abs, Reciprocal) with our SIMD
 * loops, plus storage-sharing Identity and Cast.
 *
 * Identity: the stock wasm kernel copies the buffer (measured ~16 ms per 8M floats; a resblock
 * training step runs ~30 of them, from tf.clone/gradient plumbing). tfjs never writes into a
 * tensor's storage after creation (variables re-point their dataId on assign), so we share the
 * storage and bump its reference count, as tfjs's cpu and webgl backends do. Cast to the same
 * dtype is an Identity too (the Relu and Square gradients cast float32 to float32).
 */
import * as tf from '#tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simd, ptr } from '../simd.js';
import { stockKernel, type Info } from '../kernel-call.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

/** Op codes of the AssemblyScript unary kernel. */
const OP_CODES = { Relu: 0, Step: 1, Square: 2, Neg: 3, Sqrt: 4, Rsqrt: 5, Abs: 6, Reciprocal: 7 } as const;
export type UnaryName = keyof typeof OP_CODES;

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const stock = (name: string, args: Args) => stockKernel(name)!.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;

/** A view of `x`'s storage (reference count bumped) with dtype `dtype`. */
function share(backend: BackendWasm, x: Info, dtype = x.dtype): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype };
}

function makeUnary(name: UnaryName) {
  const op = OP_CODES[name];
  return (args: Args): Info => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: Info };
    const n = size(x.shape);
    if (x.dtype !== 'float32' || n === 0) return stock(name, args);
    const alpha = name === 'Step' ? Number((args.attrs as { alpha?: number }).alpha ?? 0) : 0;
    const out = backend.makeOutput(x.shape, 'float32');
    simd(backend).unary(op, n, ptr(backend, x), ptr(backend, out), alpha);
    return out;
  };
}

/** Kernel func for `Identity` (input x): shares storage; strings go to the stock kernel. */
export function identity(args: Args): Info {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string') return stock('Identity', args);
  return share(args.backend as BackendWasm, x);
}

/**
 * Kernel func for `Cast` (input x, attr dtype): same dtype shares storage; bool or int32 to
 * float32 converts with SIMD; everything else (float to int truncation, complex) is stock.
 */
export function cast(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const { dtype } = args.attrs as { dtype: tf.DataType };
  if (dtype === x.dtype && dtype !== 'string' && dtype !== 'complex64') return share(backend, x);
  const n = size(x.shape);
  if (dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32') || n === 0) return stock('Cast', args);
  const out = backend.makeOutput(x.shape, 'float32');
  const k = simd(backend);
  if (x.dtype === 'bool') k.castU8F32(n, ptr(backend, x), ptr(backend, out));
  else k.castI32F32(n, ptr(backend, x), ptr(backend, out));
  return out;
}

/** Kernel funcs by name (input x; Step has attr alpha). */
export const UNARY_KERNELS: [string, (args: Args) => Info][] = [
  ...(Object.keys(OP_CODES) as UnaryName[]).map((n): [string, (args: Args) => Info] => [n, makeUnary(n)]),
  ['Identity', identity],
  ['Cast', cast],
];
