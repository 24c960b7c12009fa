/**
 * The operators of light (MobileNet-style) networks: Clip (ReLU6 as exported by PyTorch and by
 * us), HardSwish, HardSigmoid and GlobalAveragePool. Grouped Conv is conv.ts.
 */
import { add, clamp, globalAvgPool2d, hardswish, relu6, scale } from '../../tensor/index.js';
import { attrFloat, hasAttr } from './attributes.js';
import { f32, need, unsupported, type OpEntry } from './types.js';

/** A scalar bound given as an optional input (opset ≥ 11) or, in older graphs, as an attribute. */
function bound(i: Parameters<OpEntry['run']>[0], slot: number, n: Parameters<OpEntry['run']>[1], key: string, dflt: number): number {
  const v = i[slot];
  if (v) {
    if (v.t.size !== 1) throw unsupported(n, `a non-scalar ${key}`);
    return v.t.data[0]!;
  }
  return hasAttr(n, key) ? attrFloat(n, key) : dflt;
}

export const Clip: OpEntry = {
  opType: 'Clip',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n);
    const lo = bound(i, 1, n, 'min', -Infinity);
    const hi = bound(i, 2, n, 'max', Infinity);
    // ReLU6 gets its own one-pass op; any other range is the general clamp.
    const y = lo === 0 && hi === 6 ? relu6(x.t) : clamp(x.t, lo, hi);
    return [{ t: y, dtype: x.dtype }];
  },
};

export const HardSwish: OpEntry = { opType: 'HardSwish', differentiable: true, run: (i, n) => [f32(hardswish(need(i, 0, n).t))] };

/** max(0, min(1, αx + β)), α = 0.2 and β = 0.5 by default. */
export const HardSigmoid: OpEntry = {
  opType: 'HardSigmoid',
  differentiable: true,
  run: (i, n) => [f32(clamp(add(scale(need(i, 0, n).t, attrFloat(n, 'alpha', 0.2)), attrFloat(n, 'beta', 0.5)), 0, 1))],
};

export const GlobalAveragePool: OpEntry = {
  opType: 'GlobalAveragePool',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    if (x.ndim !== 4) throw unsupported(n, `a rank-${x.ndim} input (only NCHW is)`);
    return [f32(globalAvgPool2d(x))];
  },
};
