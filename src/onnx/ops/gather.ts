/**
 * ONNX Gather along any axis (Embedding's export, a sequence's last step). Indices are exact
 * integers held in a float tensor; negatives count from the end. Gradients reach the data input
 * (embedding tables fine-tune through the graph), never the indices.
 */
import { gather } from '../../tensor/index.js';
import { attrInt } from './attributes.js';
import { need, type OpEntry } from './types.js';

export const Gather: OpEntry = {
  opType: 'Gather',
  differentiable: true,
  weightInputs: [0],
  run: (i, n) => {
    const x = need(i, 0, n);
    const idx = need(i, 1, n).t;
    return [{ t: gather(x.t, idx.data, idx.shape, attrInt(n, 'axis', 0)), dtype: x.dtype }];
  },
};
