/**
 * BatchNormalization in inference form: y = (x − mean)·scale/√(var + ε) + bias over channel axis 1,
 * with the running statistics fixed. Training through the graph learns scale and bias only.
 */
import { add, div, mul, reshape, sqrt, sub, type Tensor } from '../../tensor/index.js';
import { attrFloat } from './attributes.js';
import { f32, need, type OpEntry } from './types.js';

export const BatchNormalization: OpEntry = {
  opType: 'BatchNormalization',
  differentiable: true,
  weightInputs: [1, 2],
  run: (i, n) => {
    const x = need(i, 0, n).t;
    const [g, b, m, v] = [1, 2, 3, 4].map((k) => need(i, k, n).t) as [Tensor, Tensor, Tensor, Tensor];
    const shape = x.shape.map((d, k) => (k === 1 ? d : 1));
    const s = div(g, sqrt(add(v, attrFloat(n, 'epsilon', 1e-5)))); // [C]
    const shift = sub(b, mul(m, s));
    return [f32(add(mul(x, reshape(s, shape)), reshape(shift, shape)))];
  },
};
