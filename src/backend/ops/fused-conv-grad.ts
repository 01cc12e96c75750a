/**
 * Lazy gradients for linear fused convolutions. tfjs-layers runs every Conv2D layer through
 * `tf.fused.conv2d`, and under a gradient tape a linear one (no activation: conv + BatchNorm
 * blocks) stays fused as a `customGrad` whose backward computes the input, filter AND bias
 * gradients eagerly. Exact GC differentiates only w.r.t. the input, so half of its backward work
 * (the filter gradients, measured 26 of 51 s for the resblock benchmark) was thrown away.
 *
 * We route linear fused convs to the same `FusedConv2D` kernel as a plain kernel call, so the tape
 * records a `FusedConv2D` node whose registered gradient returns one thunk per input; the engine
 * calls only the thunks of inputs on the differentiated path. The forward kernel and the backward
 * ops are exactly those of tfjs-core's fused conv2d, so values (training included) are unchanged.
 * Everything else (activations, PReLU, NCHW, rank-3 input, dilations) goes to the original op.
 */
import * as tf from '#tf';

type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];

/** Gradient of a linear `FusedConv2D` (inputs x [N,H,W,Ci], filter [KH,KW,Ci,Co], bias? [Co]; attr biasShape). */
const fusedConv2DGrad: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, activation, dimRoundingMode, biasShape } = attrs as unknown as tf.FusedConv2DAttrs & { biasShape: number[] | null };
    if (activation !== 'linear') throw new Error(`lazy FusedConv2D gradient supports linear activation only, got ${activation}`);
    const d = dy as tf.Tensor4D;
    // The kernels (and attrs) tfjs-core's fused conv2d gradient runs via its conv2DBackprop* ops.
    const grads: Record<string, () => tf.Tensor> = {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: d, filter }, { strides, pad, dataFormat: 'NHWC', dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap),
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: d }, { strides, pad, dataFormat: 'NHWC', dimRoundingMode, filterShape: filter.shape } as unknown as tf.NamedAttrMap),
    };
    if (biasShape) {
      // As tfjs-core's getFusedBiasGradient: sum dy over the broadcast axes.
      grads.bias = () => tf.tidy(() => {
        const axes = tf.backend_util.getReductionAxes(biasShape, d.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(d, axes) : d, biasShape);
      });
    }
    return grads;
  },
};

let original: typeof tf.fused.conv2d | undefined;

function isLinear(a: FusedConv2DArgs): boolean {
  return a.activation === undefined || a.activation === null || a.activation === 'linear';
}

/** Our `tf.fused.conv2d`: a recorded `FusedConv2D` kernel call for the plain linear NHWC case. */
function fusedConv2d(args: FusedConv2DArgs): tf.Tensor {
  const { x, filter, bias, strides, pad, dimRoundingMode } = args;
  const dilations = args.dilations ?? [1, 1];
  const plain =
    isLinear(args) &&
    args.preluActivationWeights == null &&
    (args.dataFormat ?? 'NHWC') === 'NHWC' &&
    x instanceof tf.Tensor && x.rank === 4 && x.dtype === 'float32' &&
    filter instanceof tf.Tensor && filter.rank === 4 && filter.dtype === 'float32' && filter.shape[2] === x.shape[3] &&
    (bias == null || (bias instanceof tf.Tensor && bias.rank === 1 && bias.shape[0] === filter.shape[3] && bias.dtype === 'float32')) &&
    (typeof dilations === 'number' ? dilations === 1 : dilations.every((v) => v === 1)) &&
    dimRoundingMode == null;
  if (!plain) return original!(args);
  const inputs: tf.NamedTensorMap = { x: x as tf.Tensor, filter: filter as tf.Tensor };
  if (bias != null) inputs.bias = bias as tf.Tensor;
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode, activation: 'linear', leakyreluAlpha: args.leakyreluAlpha,
    // Not a kernel attr: the bias gradient needs the bias shape (the tape cannot save an absent input).
    biasShape: bias == null ? null : (bias as tf.Tensor).shape };
  return tf.engine().runKernel('FusedConv2D', inputs, attrs as unknown as tf.NamedAttrMap);
}

/**
 * Installs the lazy linear fused-conv gradient (process-wide, every backend; idempotent).
 * Returns true when it was installed by this call.
 */
export function installLazyFusedConv(): boolean {
  if (original !== undefined) return false;
  if (tf.getGradient('FusedConv2D') === undefined) tf.registerGradient(fusedConv2DGrad);
  original = tf.fused.conv2d;
  (tf.fused as { conv2d: typeof tf.fused.conv2d }).conv2d = fusedConv2d as typeof tf.fused.conv2d;
  return true;
}

/** tfjs-core's own `fused.conv2d` (eager customGrad), for comparisons; ours once installed. */
export function stockFusedConv2d(): typeof tf.fused.conv2d {
  return original ?? tf.fused.conv2d;
}
