/** Broadcasting binary arithmetic. Add's inputs count as weights: MatMul + Add is the other bias form. */
import { add, div, mul, sub, type Tensor } from '../../tensor/index.js';
import { f32, need, type OpEntry } from './types.js';

function binary(opType: string, fn: (a: Tensor, b: Tensor) => Tensor, weightInputs?: number[]): OpEntry {
  return { opType, differentiable: true, ...(weightInputs ? { weightInputs } : {}), run: (i, n) => [f32(fn(need(i, 0, n).t, need(i, 1, n).t))] };
}

export const Add = binary('Add', add, [0, 1]);
export const Sub = binary('Sub', sub);
export const Mul = binary('Mul', mul);
export const Div = binary('Div', div);
