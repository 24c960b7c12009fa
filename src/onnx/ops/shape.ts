/**
 * Ops that move or relabel data without arithmetic: Identity, Dropout (identity at inference and
 * in graph fine-tuning), Flatten, Reshape, Transpose, and Constant. Integer dtypes pass through.
 */
import { reshape, transpose } from '../../tensor/index.js';
import { attrInt, attrInts, attrTensor, hasAttr } from './attributes.js';
import { need, unsupported, valueOf, type OpEntry } from './types.js';

export const Identity: OpEntry = { opType: 'Identity', differentiable: true, run: (i, n) => [need(i, 0, n)] };

export const Dropout: OpEntry = { opType: 'Dropout', differentiable: true, run: (i, n) => [need(i, 0, n)] };

export const Flatten: OpEntry = {
  opType: 'Flatten',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const a = attrInt(n, 'axis', 1);
    const axis = a < 0 ? a + x.t.ndim : a;
    const outer = x.t.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return [{ t: reshape(x.t, [outer, outer === 0 ? 0 : x.t.size / outer]), dtype: x.dtype }];
  },
};

export const Reshape: OpEntry = {
  opType: 'Reshape',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const target = Array.from(need(i, 1, n).t.data);
    const allowZero = attrInt(n, 'allowzero', 0) === 1;
    // 0 copies the input's dim at that position unless allowzero says it means an empty dim.
    const shape = target.map((d, k) => (d === 0 && !allowZero ? x.t.shape[k]! : d));
    return [{ t: reshape(x.t, shape), dtype: x.dtype }];
  },
};

export const Transpose: OpEntry = {
  opType: 'Transpose',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    return [{ t: transpose(x.t, attrInts(n, 'perm', undefined)), dtype: x.dtype }];
  },
};

export const Constant: OpEntry = {
  opType: 'Constant',
  differentiable: true,
  run: (_i, n) => {
    if (!hasAttr(n, 'value')) throw unsupported(n, 'no `value` tensor (value_float, value_ints, …)');
    return [valueOf(attrTensor(n, 'value'))];
  },
};
