/**
 * Shape arithmetic and slicing that exporters wrap around recurrent nodes: PyTorch builds an LSTM's
 * zero initial state from Shape → Gather → Unsqueeze → Concat → ConstantOfShape and cuts each
 * layer's weights with Slice. Shapes travel as exact small integers in float tensors (int64 dtype),
 * as everywhere in the op table; Slice, Concat, Unsqueeze and Squeeze pass gradients.
 */
import { Tensor, concat, narrow, reshape } from '../../tensor/index.js';
import { attrInt, attrInts, attrTensor, hasAttr } from './attributes.js';
import { need, unsupported, valueOf, type OpEntry, type OpValue } from './types.js';
import { type AttrNode } from './attributes.js';

const ints = (v: OpValue | undefined): number[] | undefined => (v ? Array.from(v.t.data, Math.trunc) : undefined);
const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);

// Shape and ConstantOfShape read no values, so their (zero) gradient is exact: they never block training.
export const Shape: OpEntry = {
  opType: 'Shape',
  differentiable: true,
  run: (i, n) => {
    const dims = need(i, 0, n).t.shape;
    const r = dims.length;
    const clampAxis = (a: number) => Math.min(r, Math.max(0, norm(a, r)));
    const start = clampAxis(attrInt(n, 'start', 0));
    const end = clampAxis(attrInt(n, 'end', r));
    const out = dims.slice(start, Math.max(start, end));
    return [{ t: Tensor.from(out, [out.length]), dtype: 'int64' }];
  },
};

export const ConstantOfShape: OpEntry = {
  opType: 'ConstantOfShape',
  differentiable: true,
  run: (i, n) => {
    const shape = ints(need(i, 0, n)) ?? [];
    const fill = hasAttr(n, 'value') ? valueOf(attrTensor(n, 'value')) : { t: Tensor.scalar(0), dtype: 'float32' };
    return [{ t: Tensor.full(shape, fill.t.data[0] ?? 0), dtype: fill.dtype }];
  },
};

/** The axes of Unsqueeze/Squeeze: an input since opset 13, an attribute before. */
function axesOf(i: ReadonlyArray<OpValue | undefined>, n: AttrNode): number[] | undefined {
  return ints(i[1]) ?? attrInts(n, 'axes', undefined);
}

export const Unsqueeze: OpEntry = {
  opType: 'Unsqueeze',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const axes = axesOf(i, n);
    if (!axes) throw unsupported(n, 'no axes');
    const rank = x.t.ndim + axes.length;
    const set = new Set(axes.map((a) => norm(a, rank)));
    const shape: number[] = [];
    let k = 0;
    for (let d = 0; d < rank; d++) shape.push(set.has(d) ? 1 : x.t.shape[k++]!);
    return [{ t: reshape(x.t, shape), dtype: x.dtype }];
  },
};

export const Squeeze: OpEntry = {
  opType: 'Squeeze',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const axes = axesOf(i, n);
    const drop = new Set(axes ? axes.map((a) => norm(a, x.t.ndim)) : x.t.shape.flatMap((d, k) => (d === 1 ? [k] : [])));
    for (const a of drop) if (x.t.shape[a] !== 1) throw unsupported(n, `squeezing axis ${a} of size ${x.t.shape[a]}`);
    return [{ t: reshape(x.t, x.t.shape.filter((_, k) => !drop.has(k))), dtype: x.dtype }];
  },
};

export const Concat: OpEntry = {
  opType: 'Concat',
  differentiable: true,
  run: (i, n) => {
    const parts = i.filter((v): v is OpValue => v !== undefined);
    if (parts.length === 0) throw unsupported(n, 'no inputs');
    const live = parts.filter((p) => p.t.size > 0 || parts.length === 1);
    return [{ t: live.length === 1 ? live[0]!.t : concat(live.map((p) => p.t), attrInt(n, 'axis')), dtype: parts[0]!.dtype }];
  },
};

export const Slice: OpEntry = {
  opType: 'Slice',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const starts = ints(need(i, 1, n))!;
    const ends = ints(need(i, 2, n))!;
    const axes = ints(i[3]) ?? starts.map((_, k) => k);
    const steps = ints(i[4]) ?? starts.map(() => 1);
    let t = x.t;
    axes.forEach((a0, k) => {
      if (steps[k] !== 1) throw unsupported(n, `step ${steps[k]}`);
      const a = norm(a0, t.ndim);
      const d = t.shape[a]!;
      const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
      const s = clamp(starts[k]!);
      const e = clamp(ends[k]!);
      t = narrow(t, a, s, Math.max(0, e - s));
    });
    return [{ t, dtype: x.dtype }];
  },
};
