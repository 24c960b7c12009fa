/**
 * Light-network cases of the engine conformance suite: a grouped Conv (group 2), a depthwise
 * stride-2 Conv (group = channels), Clip with min/max as inputs (ReLU6), HardSwish, an Add skip
 * and GlobalAveragePool, held against plain float64 loops written from the ONNX operator
 * definitions. Opset 14, the first with HardSwish. Both engines must meet the same numbers.
 */
import { Rng } from '../core/rng.js';
import { GraphBuilder, attr } from '../onnx/builder.js';
import { type ConformanceCase } from './engine-cases.conformance.js';

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform(lo, hi));
}

interface Plane { n: number; c: number; h: number; w: number }

/** ONNX Conv with `group`: output channel o sees input channels of its group only, weight [O, C/group, k, k]. */
function refGroupedConv(x: Float32Array, p: Plane, w: Float32Array, b: Float32Array, o: number, k: number, stride: number, pad: number, group: number): { y: Float32Array; p: Plane } {
  const oh = Math.floor((p.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((p.w + 2 * pad - k) / stride) + 1;
  const cg = p.c / group;
  const og = o / group;
  const y = new Float32Array(p.n * o * oh * ow);
  for (let n = 0; n < p.n; n++)
    for (let oc = 0; oc < o; oc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b[oc]!;
          for (let ci = 0; ci < cg; ci++) {
            const c = Math.floor(oc / og) * cg + ci;
            for (let u = 0; u < k; u++)
              for (let v = 0; v < k; v++) {
                const r = i * stride - pad + u;
                const q = j * stride - pad + v;
                if (r < 0 || q < 0 || r >= p.h || q >= p.w) continue;
                s += x[((n * p.c + c) * p.h + r) * p.w + q]! * w[((oc * cg + ci) * k + u) * k + v]!;
              }
          }
          y[((n * o + oc) * oh + i) * ow + j] = s;
        }
  return { y, p: { n: p.n, c: o, h: oh, w: ow } };
}

/** [2,4,6,6] → Conv g2 3×3 pad 1 → Clip(0, 6) → Add(input) → Conv depthwise 3×3 s2 pad 1 → HardSwish → GlobalAveragePool → [2,4,1,1]. */
function lightCase(): ConformanceCase {
  const inP: Plane = { n: 2, c: 4, h: 6, w: 6 };
  const x = rand(2 * 4 * 36, 31, -3, 3);
  const w1 = rand(4 * 2 * 9, 32);
  const b1 = rand(4, 33);
  const w2 = rand(4 * 1 * 9, 34, -2, 2);
  const b2 = rand(4, 35);
  const g = new GraphBuilder({ opset: 14 });
  g.input('image', 'float32', ['N', 4, 6, 6]);
  const f32 = (name: string, dims: number[], data: Float32Array): string => g.initializer(name, { dtype: 'float32', dims, data });
  const win = (k: number, s: number, p: number) => ({ kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints([p, p, p, p]) });
  let v = g.node('Conv', ['image', f32('w1', [4, 2, 3, 3], w1), f32('b1', [4], b1)], { ...win(3, 1, 1), group: attr.int(2) });
  v = g.node('Clip', [v, f32('lo', [], Float32Array.of(0)), f32('hi', [], Float32Array.of(6))]);
  v = g.node('Add', [v, 'image']);
  v = g.node('Conv', [v, f32('w2', [4, 1, 3, 3], w2), f32('b2', [4], b2)], { ...win(3, 2, 1), group: attr.int(4) });
  v = g.node('HardSwish', [v]);
  g.node('GlobalAveragePool', [v], {}, ['pooled']);
  g.output('pooled', 'float32', ['N', 4, 1, 1]);

  const c1 = refGroupedConv(x, inP, w1, b1, 4, 3, 1, 1, 2);
  const skip = c1.y.map((val, i) => Math.min(Math.max(val, 0), 6) + x[i]!);
  const c2 = refGroupedConv(skip, c1.p, w2, b2, 4, 3, 2, 1, 4);
  const hs = c2.y.map((val) => (val * Math.min(Math.max(val + 3, 0), 6)) / 6);
  const hw = c2.p.h * c2.p.w;
  const pooled = new Float32Array(8);
  for (let pl = 0; pl < 8; pl++) {
    let s = 0;
    for (let i = 0; i < hw; i++) s += hs[pl * hw + i]!;
    pooled[pl] = s / hw;
  }
  return {
    name: 'Conv (group 2 and depthwise), Clip (ReLU6), Add skip, HardSwish, GlobalAveragePool',
    model: g.toBytes(),
    feed: { image: { data: x, dims: [2, 4, 6, 6] } },
    expect: { pooled: { data: pooled, dims: [2, 4, 1, 1] } },
    tolerance: 1e-4,
  };
}

export function lightCases(): ConformanceCase[] {
  return [lightCase()];
}
