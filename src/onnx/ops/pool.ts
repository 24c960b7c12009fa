/**
 * MaxPool and AveragePool, 2-D, floor mode. AveragePool follows ONNX: padding is left out of each
 * window's count unless count_include_pad=1 (the tensor kernel counts it, as PyTorch does).
 */
import { Tensor, avgPool2d, div, maxPool2d } from '../../tensor/index.js';
import { attrInt } from './attributes.js';
import { f32, need, type OpEntry } from './types.js';
import { poolOptions } from './window.js';

export const MaxPool: OpEntry = {
  opType: 'MaxPool',
  differentiable: true,
  run: (i, n) => [f32(maxPool2d(need(i, 0, n).t, poolOptions(n)))],
};

export const AveragePool: OpEntry = {
  opType: 'AveragePool',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    const opts = poolOptions(n);
    const y = avgPool2d(x, opts);
    if (attrInt(n, 'count_include_pad', 0) === 1 || (opts.padding[0] === 0 && opts.padding[1] === 0)) return [f32(y)];
    // Divide by the share of each window that lies inside the image (a constant: no gradient).
    const inside = avgPool2d(Tensor.ones([1, 1, x.shape[2]!, x.shape[3]!]), opts);
    return [f32(div(y, inside))];
  },
};
