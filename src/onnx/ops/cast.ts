/**
 * Cast between the element types the engine tracks. Values stay float32 Tensors; casting to an
 * integer type truncates toward zero and relabels the dtype (bool becomes 0/1).
 */
import { Tensor } from '../../tensor/index.js';
import { attrInt } from './attributes.js';
import { need, unsupported, type OpEntry } from './types.js';

/** ONNX TensorProto.DataType codes → the dtype names values carry. */
const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };

export const Cast: OpEntry = {
  opType: 'Cast',
  // Casting to an integer type rounds, which passes no gradient.
  differentiable: false,
  run: (i, n) => {
    const x = need(i, 0, n);
    const to = attrInt(n, 'to');
    const dtype = TYPE_NAMES[to];
    if (!dtype) throw unsupported(n, `cast to type ${to}`);
    if (dtype === 'float32' || dtype === 'float64') return [{ t: x.t, dtype }];
    const data = dtype === 'bool' ? x.t.data.map((v) => (v !== 0 ? 1 : 0)) : x.t.data.map(Math.trunc);
    return [{ t: new Tensor(data, x.t.shape), dtype }];
  },
};
