/**
 * Max-pool gradients on tfjs's webgpu backend with gc-run's tie convention: the gradient of a
 * window goes to its FIRST maximum in row-major window order, as on cpu and wasm.
 * tfjs-backend-webgpu 4.22 finds positions with `value >= max` (the LAST maximum), so on inputs
 * with exact ties (constant background after a conv) its MaxPoolGrad and MaxPoolWithArgmax
 * routed gradients elsewhere than the other backends and GC differed (measured: test/webgpu).
 */
import * as tf from '#tf';

type Info = tf.TensorInfo;
type PoolAttrs = { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
type Uniform = { type: 'int32'; data: number[] };

/** The parts of tfjs's WebGPUBackend used here. */
interface WebgpuLike {
  runWebGPUProgram(program: object, inputs: Info[], dtype: tf.DataType, uniforms?: Uniform[]): Info;
  disposeData(dataId: object): void;
}

/** A compute program in tfjs-backend-webgpu's format: one thread per output element. */
function program(outShape: number[], variableNames: string[], uniforms: string, key: string, body: string): object {
  const size = outShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    uniforms,
    workgroupSize: [128, 1, 1],
    size: true,
    outputShape: outShape,
    dispatchLayout: { x: outShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / 128), 1, 1],
    shaderKey: key,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          ${body}
        }
      }`,
  };
}

/** What firstMaxPositions writes per window: its position in the window (wR·fw + wC), or a flat index into x. */
const enum Positions { InWindow = 0, FlatWithBatch = 1, FlatInImage = 2 }

/**
 * Position of each window's first maximum, int32 [N,OH,OW,C] (see Positions). Shaders read int32
 * inputs as f32, exact only below 2^24: the gradient pass therefore reads in-window positions.
 * A window always holds an in-bounds element (tfjs's pool padding is less than the window).
 */
function firstMaxPositions(backend: WebgpuLike, x: Info, info: tf.backend_util.Conv2DInfo, mode: Positions): Info {
  const prog = program(info.outShape, ['x'], 'strides : vec2<i32>, pads : vec2<i32>, convDims : vec2<i32>, filterDims : vec2<i32>, mode : i32,', 'gc_pool2d_first_max', `
          let batch = coords[0];
          let d = coords[3];
          let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
          var best = 0.0;
          var found = false;
          var pos = 0;
          for (var wR = 0; wR < uniforms.filterDims.x; wR = wR + 1) {
            let xR = corner.x + wR;
            if (xR < 0 || xR >= uniforms.convDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC = wC + 1) {
              let xC = corner.y + wC;
              if (xC < 0 || xC >= uniforms.convDims.y) { continue; }
              let value = getX(batch, xR, xC, d);
              // strictly greater: a later equal value does not take the window (first maximum)
              if (!found || value > best) {
                best = value;
                found = true;
                if (uniforms.mode == 0) {
                  pos = wR * uniforms.filterDims.y + wC;
                } else if (uniforms.mode == 1) {
                  pos = ((batch * uniforms.xShape[1] + xR) * uniforms.xShape[2] + xC) * uniforms.xShape[3] + d;
                } else {
                  pos = (xR * uniforms.xShape[2] + xC) * uniforms.xShape[3] + d;
                }
              }
            }
          }
          setOutputAtIndexI32(index, pos);`);
  return backend.runWebGPUProgram(prog, [x], 'int32', [
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [info.inHeight, info.inWidth] },
    { type: 'int32', data: [info.effectiveFilterHeight, info.effectiveFilterWidth] },
    { type: 'int32', data: [mode] },
  ]);
}

function poolInfo(shape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/** `MaxPoolGrad` (dy [N,OH,OW,C], input [N,H,W,C]): dx [N,H,W,C], dy routed to each window's first maximum. */
function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as WebgpuLike;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const info = poolInfo(input.shape, args.attrs as unknown as PoolAttrs);
  const pos = firstMaxPositions(backend, input, info, Positions.InWindow);
  // One thread per dx element: sum dy over the windows covering it whose first maximum it is.
  const prog = program(input.shape, ['dy', 'pos'], 'strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, outDims : vec2<i32>,', 'gc_max_pool_grad_first', `
          let b = coords[0];
          let d = coords[3];
          var acc = 0.0;
          for (var wR = 0; wR < uniforms.filterDims.x; wR = wR + 1) {
            let tR = coords[1] + uniforms.pads.x - wR;
            if (tR < 0 || tR % uniforms.strides.x != 0) { continue; }
            let i = tR / uniforms.strides.x;
            if (i >= uniforms.outDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC = wC + 1) {
              let tC = coords[2] + uniforms.pads.y - wC;
              if (tC < 0 || tC % uniforms.strides.y != 0) { continue; }
              let j = tC / uniforms.strides.y;
              if (j >= uniforms.outDims.y) { continue; }
              if (i32(getPos(b, i, j, d)) == wR * uniforms.filterDims.y + wC) { acc = acc + getDy(b, i, j, d); }
            }
          }
          setOutputAtIndex(index, acc);`);
  const dx = backend.runWebGPUProgram(prog, [dy, pos], 'float32', [
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [info.effectiveFilterHeight, info.effectiveFilterWidth] },
    { type: 'int32', data: [info.outHeight, info.outWidth] },
  ]);
  backend.disposeData(pos.dataId);
  return dx;
}

let stockMaxPool: tf.KernelConfig | undefined;

/** `MaxPoolWithArgmax` (x [N,H,W,C]): [pooled, flat index of each window's first maximum]. */
function maxPoolWithArgmax(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info[] {
  const backend = args.backend as WebgpuLike;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs as unknown as PoolAttrs & { includeBatchInIndex: boolean };
  const info = poolInfo(x.shape, attrs);
  const pooled = stockMaxPool!.kernelFunc({ inputs: { x }, backend: args.backend as tf.KernelBackend, attrs: args.attrs }) as Info;
  return [pooled, firstMaxPositions(backend, x, info, attrs.includeBatchInIndex ? Positions.FlatWithBatch : Positions.FlatInImage)];
}

export const WEBGPU_POOL_KERNELS: [string, tf.KernelFunc][] = [
  ['MaxPoolGrad', maxPoolGrad as unknown as tf.KernelFunc],
  ['MaxPoolWithArgmax', maxPoolWithArgmax as unknown as tf.KernelFunc],
];

/** Replaces the webgpu max-pool gradient kernels by the first-maximum ones (idempotent); returns the names replaced now. */
export function registerWebgpuPoolKernels(): string[] {
  const done: string[] = [];
  stockMaxPool ??= tf.getKernel('MaxPool', 'webgpu');
  for (const [name, fn] of WEBGPU_POOL_KERNELS) {
    const cur = tf.getKernel(name, 'webgpu');
    if (!cur || cur.kernelFunc === fn) continue;
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: fn });
    done.push(name);
  }
  return done;
}
