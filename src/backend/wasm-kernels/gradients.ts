/**
 * Gradients tfjs-core does not define, needed for second-order training terms (gradient-norm
 * flatness penalty, explicit GC penalty): the gradient of Conv2DBackpropFilter (a conv layer's
 * weight gradient, differentiated again) and of MaxPoolGrad (a max-pool's input gradient,
 * differentiated again). Gradients are backend-independent, so these apply to every backend;
 * they are registered only when core has none. Note: core's softmaxCrossEntropy and logSoftmax use
 * customGrad, whose backward pass is not differentiable again; a second-order loss must be written
 * as logits - logSumExp(logits) (which works once these gradients are registered).
 */
import * as tf from '@tensorflow/tfjs';

/** Conv2DBackpropFilter(x, dy) is bilinear: its adjoints are a transposed conv and a conv. */
const conv2DBackpropFilterGrad: tf.GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const p = pad as 'valid' | 'same' | number;
    return {
      x: () => tf.conv2dTranspose(dy, ddw as tf.Tensor4D, x.shape, strides, p, dimRoundingMode),
      dy: () => tf.conv2d(x, ddw as tf.Tensor4D, strides, p, 'NHWC', 1, dimRoundingMode),
    };
  },
};

/**
 * MaxPoolGrad(dy, input, output) routes dy[o] to the arg-max of window o: linear in dy, locally
 * constant in input/output. Its adjoint w.r.t. dy gathers the upstream gradient at the arg-max.
 */
const maxPoolGradGrad: tf.GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['dy', 'input'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, input] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolGradAttrs;
    return {
      dy: () =>
        tf.tidy(() => {
          const { indexes } = tf.maxPoolWithArgmax(input, filterSize, strides, pad as 'valid' | 'same' | number, true);
          return tf.gather(tf.reshape(ddx as tf.Tensor, [-1]), tf.reshape(indexes, [-1])).reshape(dy.shape);
        }),
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(dy),
    };
  },
};

/**
 * Comparisons are piecewise constant, so their gradient is zero; core defines none for these,
 * which breaks second order through max/logSumExp (Max's gradient masks with `equal`).
 */
const zeroGradComparisons: tf.GradConfig[] = ['Equal', 'NotEqual', 'Greater', 'Less', 'LessEqual'].map((kernelName) => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [a, b] = saved;
    return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
  },
}));

/** Registers the missing gradients (idempotent). Returns the kernel names whose gradient was added. */
export function registerMissingGradients(): string[] {
  const added: string[] = [];
  for (const g of [conv2DBackpropFilterGrad, maxPoolGradGrad, ...zeroGradComparisons]) {
    if (tf.getGradient(g.kernelName) === undefined) {
      tf.registerGradient(g);
      added.push(g.kernelName);
    }
  }
  return added;
}
