/** Conv: 2-D, NCHW, symmetric padding, any group count (grouped and depthwise convs included). */
import { conv2d } from '../../tensor/index.js';
import { f32, need, type OpEntry } from './types.js';
import { convOptions } from './window.js';

export const Conv: OpEntry = {
  opType: 'Conv',
  differentiable: true,
  weightInputs: [1, 2],
  run: (i, n) => [f32(conv2d(need(i, 0, n).t, need(i, 1, n).t, i[2]?.t ?? null, convOptions(n)))],
};
