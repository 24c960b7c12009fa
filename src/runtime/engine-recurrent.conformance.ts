/**
 * Recurrent cases of the engine conformance suite: ONNX LSTM, GRU (linear_before_reset=1) and RNN
 * graphs with every input and output used, held against a plain-loop float64 reference written
 * from the ONNX operator equations (gate blocks LSTM i,o,f,c; GRU z,r,h; B = [Wb, Rb]), plus
 * Gather with negative indices and the shape ops PyTorch's exports wrap around recurrent nodes.
 * Both engines must meet the same numbers.
 */
import { Rng } from '../core/rng.js';
import { GraphBuilder, attr } from '../onnx/builder.js';
import { type EngineTensor } from './engine.js';
import { type ConformanceCase } from './engine-cases.conformance.js';

type Op = 'LSTM' | 'GRU' | 'RNN';

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform(lo, hi));
}

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

interface RefIn {
  op: Op;
  x: Float32Array; T: number; N: number; I: number; H: number; dirs: number;
  W: Float32Array; R: Float32Array; B: Float32Array; h0: Float32Array; c0: Float32Array;
  relu?: boolean;
  /** Direction 0 runs backwards ('reverse'). */
  reverse?: boolean;
}

/** Y [T, dirs, N, H], Y_h and Y_c [dirs, N, H], straight from the ONNX equations. */
function refRecurrent(a: RefIn): { y: Float32Array; yh: Float32Array; yc: Float32Array } {
  const G = a.op === 'LSTM' ? 4 : a.op === 'GRU' ? 3 : 1;
  const { T, N, I, H, dirs } = a;
  const y = new Float32Array(T * dirs * N * H);
  const yh = new Float32Array(dirs * N * H);
  const yc = new Float32Array(dirs * N * H);
  for (let d = 0; d < dirs; d++) {
    const w = (g: number, j: number, i: number) => a.W[((d * G + g) * H + j) * I + i]!;
    const r = (g: number, j: number, k: number) => a.R[((d * G + g) * H + j) * H + k]!;
    const wb = (g: number, j: number) => a.B[d * 2 * G * H + g * H + j]!;
    const rb = (g: number, j: number) => a.B[d * 2 * G * H + G * H + g * H + j]!;
    const h = Array.from({ length: N }, (_, n) => Array.from({ length: H }, (_, j) => a.h0[(d * N + n) * H + j]!));
    const c = Array.from({ length: N }, (_, n) => Array.from({ length: H }, (_, j) => a.c0[(d * N + n) * H + j]!));
    const back = d === 1 || a.reverse === true;
    for (let s = 0; s < T; s++) {
      const t = back ? T - 1 - s : s;
      const next = h.map((row) => row.slice());
      for (let n = 0; n < N; n++) {
        const xw = (g: number, j: number) => {
          let v = wb(g, j);
          for (let i = 0; i < I; i++) v += a.x[(t * N + n) * I + i]! * w(g, j, i);
          return v;
        };
        const hr = (g: number, j: number) => {
          let v = rb(g, j);
          for (let k = 0; k < H; k++) v += h[n]![k]! * r(g, j, k);
          return v;
        };
        for (let j = 0; j < H; j++) {
          if (a.op === 'LSTM') {
            const [ig, og, fg, cg] = [sig(xw(0, j) + hr(0, j)), sig(xw(1, j) + hr(1, j)), sig(xw(2, j) + hr(2, j)), Math.tanh(xw(3, j) + hr(3, j))];
            c[n]![j] = fg * c[n]![j]! + ig * cg;
            next[n]![j] = og * Math.tanh(c[n]![j]!);
          } else if (a.op === 'GRU') {
            const z = sig(xw(0, j) + hr(0, j));
            const rg = sig(xw(1, j) + hr(1, j));
            const hh = Math.tanh(xw(2, j) + rg * hr(2, j));
            next[n]![j] = (1 - z) * hh + z * h[n]![j]!;
          } else {
            const v = xw(0, j) + hr(0, j);
            next[n]![j] = a.relu ? Math.max(0, v) : Math.tanh(v);
          }
        }
      }
      for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) {
        h[n]![j] = next[n]![j]!;
        y[((t * dirs + d) * N + n) * H + j] = h[n]![j]!;
      }
    }
    for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) {
      yh[(d * N + n) * H + j] = h[n]![j]!;
      yc[(d * N + n) * H + j] = c[n]![j]!;
    }
  }
  return { y, yh, yc };
}

function recurrentCase(op: Op, dirs: number, seed: number, extra: { relu?: boolean; reverse?: boolean; layout?: boolean } = {}): ConformanceCase {
  const [T, N, I, H] = [5, 3, 4, 3];
  const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  const x = rand(T * N * I, seed, -2, 2);
  const W = rand(dirs * G * H * I, seed + 1, -0.8, 0.8);
  const R = rand(dirs * G * H * H, seed + 2, -0.8, 0.8);
  const B = rand(dirs * 2 * G * H, seed + 3, -0.5, 0.5);
  const h0 = rand(dirs * N * H, seed + 4);
  const c0 = op === 'LSTM' ? rand(dirs * N * H, seed + 5) : new Float32Array(dirs * N * H);
  const ref = refRecurrent({ op, x, T, N, I, H, dirs, W, R, B, h0, c0, ...extra });
  const g = new GraphBuilder({ opset: 14 });
  g.input('x', 'float32', [T, 'N', I]);
  const f = (name: string, dims: number[], data: Float32Array) => g.initializer(name, { dtype: 'float32', dims, data });
  const direction = dirs === 2 ? 'bidirectional' : extra.reverse ? 'reverse' : 'forward';
  const attrs = {
    hidden_size: attr.int(H),
    direction: attr.string(direction),
    ...(op === 'GRU' && { linear_before_reset: attr.int(1) }),
    ...(extra.relu && { activations: attr.strings(Array(dirs).fill('Relu') as string[]) }),
  };
  const inputs = ['x', f('W', [dirs, G * H, I], W), f('R', [dirs, G * H, H], R), f('B', [dirs, 2 * G * H], B), '', f('h0', [dirs, N, H], h0)];
  if (op === 'LSTM') inputs.push(f('c0', [dirs, N, H], c0));
  const outs = op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  g.node(op, inputs, attrs, outs);
  g.output('Y', 'float32', [T, dirs, N, H]);
  g.output('Y_h', 'float32', [dirs, N, H]);
  if (op === 'LSTM') g.output('Y_c', 'float32', [dirs, N, H]);
  const t = (data: Float32Array, dims: number[]): EngineTensor => ({ data, dims });
  const expect: Record<string, EngineTensor> = { Y: t(ref.y, [T, dirs, N, H]), Y_h: t(ref.yh, [dirs, N, H]) };
  if (op === 'LSTM') expect['Y_c'] = t(ref.yc, [dirs, N, H]);
  const what = dirs === 2 ? 'bidirectional' : direction;
  return { name: `${op} (${what}${extra.relu ? ', Relu' : ''}, bias, initial state)`, model: g.toBytes(), feed: { x: t(x, [T, N, I]) }, expect, tolerance: 1e-4 };
}

function gatherCase(): ConformanceCase {
  // x [N, 4, 3] → Gather axis 1 with indices [[-1, 0], [2, 2]] → [N, 2, 2, 3]
  const g = new GraphBuilder({ opset: 14 });
  g.input('x', 'float32', ['N', 4, 3]);
  const idx = g.initializer('idx', { dtype: 'int64', dims: [2, 2], data: [-1, 0, 2, 2] });
  g.node('Gather', ['x', idx], { axis: attr.int(1) }, ['y']);
  g.output('y', 'float32', ['N', 2, 2, 3]);
  const x = rand(24, 41);
  const y = new Float32Array(24);
  [3, 0, 2, 2].forEach((k, i) => {
    for (let n = 0; n < 2; n++) for (let j = 0; j < 3; j++) y[(n * 4 + i) * 3 + j] = x[(n * 4 + k) * 3 + j]!;
  });
  return { name: 'Gather (axis 1, negative indices)', model: g.toBytes(), feed: { x: { data: x, dims: [2, 4, 3] } }, expect: { y: { data: y, dims: [2, 2, 2, 3] } }, tolerance: 1e-6 };
}

function shapeOpsCase(): ConformanceCase {
  // What torch.onnx writes around an LSTM: zeros [1, N, 2] from Shape → Gather → Unsqueeze → Concat →
  // ConstantOfShape, plus Slice (negative start, clamped end) and Squeeze. x [N, 4, 3].
  const g = new GraphBuilder({ opset: 14 });
  g.input('x', 'float32', ['N', 4, 3]);
  const i64 = (name: string, dims: number[], data: number[]) => g.initializer(name, { dtype: 'int64', dims, data });
  const n = g.node('Gather', [g.node('Shape', ['x']), i64('zero', [], [0])], { axis: attr.int(0) });
  const dims = g.node('Concat', [i64('one', [1], [1]), g.node('Unsqueeze', [n, i64('ax0', [1], [0])]), i64('two', [1], [2])], { axis: attr.int(0) });
  g.node('ConstantOfShape', [dims], { value: attr.tensor({ dtype: 'float32', dims: [1], data: new Float32Array([0.5]) }) }, ['z']);
  const sl = g.node('Slice', ['x', i64('st', [2], [-3, 1]), i64('en', [2], [1000, 2]), i64('axs', [2], [1, 2])]); // [N, 3, 1]
  g.node('Squeeze', [sl, i64('ax2', [1], [2])], {}, ['s']);
  g.output('z', 'float32', [1, 'N', 2]);
  g.output('s', 'float32', ['N', 3]);
  const x = rand(24, 51);
  const s = new Float32Array(6);
  for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) s[b * 3 + t] = x[(b * 4 + t + 1) * 3 + 1]!;
  return {
    name: 'Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice, Squeeze',
    model: g.toBytes(),
    feed: { x: { data: x, dims: [2, 4, 3] } },
    expect: { z: { data: new Float32Array(4).fill(0.5), dims: [1, 2, 2] }, s: { data: s, dims: [2, 3] } },
    tolerance: 1e-6,
  };
}

export function recurrentCases(): ConformanceCase[] {
  return [
    recurrentCase('LSTM', 2, 20), recurrentCase('GRU', 2, 30), recurrentCase('GRU', 1, 35, { reverse: true }), recurrentCase('RNN', 1, 40, { relu: true }), recurrentCase('RNN', 2, 45),
    gatherCase(), shapeOpsCase(),
  ];
}
