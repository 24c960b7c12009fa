/** Layer 1: the tensor engine. `Tensor` with autograd, its ops, and the kernel backends. */
export { Tensor, noGrad, isGradEnabled, accumulate } from './tensor.js';
export * from './shape.js';
export { add, sub, mul, div, relu, sigmoid, tanh, exp, log, neg, square, sqrt, abs, scale, clamp } from './ops/elementwise.js';
export { sum, mean, max, argmaxRows, logSoftmax, softmax } from './ops/reduce.js';
export { reshape, flatten, transpose, concat0 } from './ops/shape-ops.js';
export { matmul, linear } from './ops/linalg.js';
export { conv2d, type Conv2dOptions } from './ops/conv.js';
export { maxPool2d, avgPool2d, type Pool2dOptions } from './ops/pool.js';
export { relu6, hardswish, globalAvgPool2d } from './ops/light.js';
export { dropout, pick } from './ops/misc.js';
export { kernels, setBackend, registerBackend, availableBackends, jsKernels, type Kernels, type ConvGeometry, type ResidentFloats, type ResidentBuffer } from './kernels/index.js';
export { gradCheck, type GradCheckResult } from './gradcheck.js';
export { softmaxCrossEntropy, bceWithLogits, binaryCrossEntropy, mseLoss } from './ops/loss.js';
export { batchNorm, type BatchNormOptions } from './ops/norm.js';
export { recurrent, sequenceOf, GATE_COUNT, type CellKind, type RecurrentOptions, type RecurrentParams } from './ops/recurrent.js';
export { narrow, concat, gather, swap01 } from './ops/index-ops.js';
