/** Softmax along one axis (opset 13 semantics: default axis -1). */
import { softmax } from '../../tensor/index.js';
import { attrInt } from './attributes.js';
import { f32, need, type OpEntry } from './types.js';

export const Softmax: OpEntry = {
  opType: 'Softmax',
  differentiable: true,
  run: (i, n) => [f32(softmax(need(i, 0, n).t, attrInt(n, 'axis', -1)))],
};
