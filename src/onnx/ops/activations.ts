/** Pointwise activations. */
import { relu, sigmoid, tanh, type Tensor } from '../../tensor/index.js';
import { f32, need, type OpEntry } from './types.js';

function pointwise(opType: string, fn: (x: Tensor) => Tensor): OpEntry {
  return { opType, differentiable: true, run: (i, n) => [f32(fn(need(i, 0, n).t))] };
}

export const Relu = pointwise('Relu', relu);
export const Sigmoid = pointwise('Sigmoid', sigmoid);
export const Tanh = pointwise('Tanh', tanh);
