/**
 * Graphs and plain-loop reference computations for the engine conformance suite: each case is a
 * small model built with our builder plus an independent answer, so every engine is held to the same numbers.
 */
import { Rng } from '../core/rng.js';
import { GraphBuilder, attr } from '../onnx/builder.js';
import { type EngineTensor } from './engine.js';
import { recurrentCases } from './engine-recurrent.conformance.js';
import { lightCases } from './engine-light.conformance.js';

export interface ConformanceCase {
  name: string;
  model: Uint8Array;
  feed: Record<string, EngineTensor>;
  /** Expected outputs by name. */
  expect: Record<string, EngineTensor>;
  tolerance: number;
}

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform(lo, hi);
  return a;
}

// ---- reference kernels (naive loops, float64 accumulation) ----

function refMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      y[i * n + j] = s;
    }
  return y;
}

interface Geo { n: number; c: number; h: number; w: number; kh: number; kw: number; stride: number; pad: number }

function outSize(g: Geo): [number, number] {
  return [Math.floor((g.h + 2 * g.pad - g.kh) / g.stride) + 1, Math.floor((g.w + 2 * g.pad - g.kw) / g.stride) + 1];
}

function refConv(x: Float32Array, w: Float32Array, b: Float32Array, g: Geo, m: number): EngineTensor {
  const [oh, ow] = outSize(g);
  const y = new Float32Array(g.n * m * oh * ow);
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < m; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b[o]!;
          for (let c = 0; c < g.c; c++)
            for (let u = 0; u < g.kh; u++)
              for (let v = 0; v < g.kw; v++) {
                const r = i * g.stride - g.pad + u;
                const q = j * g.stride - g.pad + v;
                if (r < 0 || q < 0 || r >= g.h || q >= g.w) continue;
                s += x[((n * g.c + c) * g.h + r) * g.w + q]! * w[((o * g.c + c) * g.kh + u) * g.kw + v]!;
              }
          y[((n * m + o) * oh + i) * ow + j] = s;
        }
  return { data: y, dims: [g.n, m, oh, ow] };
}

function refPool(x: Float32Array, g: Geo, kind: 'max' | 'avg'): EngineTensor {
  const [oh, ow] = outSize(g);
  const y = new Float32Array(g.n * g.c * oh * ow);
  for (let nc = 0; nc < g.n * g.c; nc++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let u = 0; u < g.kh; u++)
          for (let v = 0; v < g.kw; v++) {
            const r = i * g.stride - g.pad + u;
            const q = j * g.stride - g.pad + v;
            if (r < 0 || q < 0 || r >= g.h || q >= g.w) continue;
            const val = x[(nc * g.h + r) * g.w + q]!;
            best = Math.max(best, val);
            sum += val;
            count++;
          }
        y[(nc * oh + i) * ow + j] = kind === 'max' ? best : sum / count;
      }
  return { data: y, dims: [g.n, g.c, oh, ow] };
}

const map = (a: Float32Array, f: (v: number, i: number) => number): Float32Array => Float32Array.from(a, f);

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---- cases ----

function elementwiseCase(): ConformanceCase {
  const g = new GraphBuilder();
  g.input('x', 'float32', ['N', 6]);
  const k = g.initializer('k', { dtype: 'float32', dims: [6], data: new Float32Array([1, -2, 0.5, 3, -1, 2]) });
  const m = g.node('Mul', ['x', k]);
  const s = g.node('Sigmoid', [m], {}, ['sig']);
  const t = g.node('Tanh', [m], {}, ['tanh']);
  const d = g.node('Dropout', [g.node('Identity', [g.node('Add', [s, t])])], {}, ['sum']);
  const sm = g.node('Softmax', [d], { axis: attr.int(1) }, ['prob']);
  for (const o of [s, t, sm]) g.output(o, 'float32', ['N', 6]);
  const x = rand(12, 1, -2, 2);
  const mul = map(x, (v, i) => v * [1, -2, 0.5, 3, -1, 2][i % 6]!);
  const sig = map(mul, (v) => 1 / (1 + Math.exp(-v)));
  const th = map(mul, Math.tanh);
  const sum = map(sig, (v, i) => v + th[i]!);
  const prob = new Float32Array(12);
  for (let r = 0; r < 2; r++) {
    const row = Array.from(sum.subarray(r * 6, r * 6 + 6));
    const mx = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
    row.forEach((v, j) => (prob[r * 6 + j] = Math.exp(v - mx) / z));
  }
  return {
    name: 'Mul, Sigmoid, Tanh, Add, Identity, Dropout (inference), Softmax',
    model: g.toBytes(),
    feed: { x: { data: x, dims: [2, 6] } },
    expect: { sig: { data: sig, dims: [2, 6] }, tanh: { data: th, dims: [2, 6] }, prob: { data: prob, dims: [2, 6] } },
    tolerance: 1e-5,
  };
}

function cnnCase(): ConformanceCase {
  // [2,1,6,6] → Conv 3x3 pad 1 (2 ch) → BN → Relu → MaxPool 2 → AvgPool 3 s1 pad1 → Flatten → Gemm → [2,3]
  const geo: Geo = { n: 2, c: 1, h: 6, w: 6, kh: 3, kw: 3, stride: 1, pad: 1 };
  const x = rand(72, 2);
  const w = rand(18, 3);
  const b = rand(2, 4);
  const bn = { scale: new Float32Array([1.5, 0.5]), bias: new Float32Array([0.1, -0.2]), mean: new Float32Array([0.05, -0.1]), var: new Float32Array([0.8, 1.2]) };
  const fcW = rand(3 * 18, 5); // [3, 18], used with transB=1
  const fcB = rand(3, 6);
  const g = new GraphBuilder();
  g.input('image', 'float32', ['N', 1, 6, 6]);
  const f32 = (name: string, dims: number[], data: Float32Array): string => g.initializer(name, { dtype: 'float32', dims, data });
  let v = g.node('Conv', ['image', f32('cw', [2, 1, 3, 3], w), f32('cb', [2], b)], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([1, 1]) });
  v = g.node('BatchNormalization', [v, f32('s', [2], bn.scale), f32('bb', [2], bn.bias), f32('m', [2], bn.mean), f32('v', [2], bn.var)], { epsilon: attr.float(1e-5) });
  v = g.node('Relu', [v]);
  v = g.node('MaxPool', [v], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  v = g.node('AveragePool', [v], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([1, 1]), pads: attr.ints([1, 1, 1, 1]) });
  v = g.node('Flatten', [v], { axis: attr.int(1) });
  g.node('Gemm', [v, f32('fw', [3, 18], fcW), f32('fb', [3], fcB)], { transB: attr.int(1) }, ['logits']);
  g.output('logits', 'float32', ['N', 3]);

  const conv = refConv(x, w, b, geo, 2);
  const normed = map(conv.data, (val, i) => {
    const c = Math.floor(i / 36) % 2;
    return Math.max(0, ((val - bn.mean[c]!) / Math.sqrt(bn.var[c]! + 1e-5)) * bn.scale[c]! + bn.bias[c]!);
  });
  const mp = refPool(normed, { n: 2, c: 2, h: 6, w: 6, kh: 2, kw: 2, stride: 2, pad: 0 }, 'max');
  const ap = refPool(mp.data, { n: 2, c: 2, h: 3, w: 3, kh: 3, kw: 3, stride: 1, pad: 1 }, 'avg');
  const wT = new Float32Array(18 * 3);
  for (let o = 0; o < 3; o++) for (let i = 0; i < 18; i++) wT[i * 3 + o] = fcW[o * 18 + i]!;
  const logits = map(refMatmul(ap.data, wT, 2, 18, 3), (val, i) => val + fcB[i % 3]!);
  return {
    name: 'Conv, BatchNormalization, Relu, MaxPool, AveragePool, Flatten, Gemm',
    model: g.toBytes(),
    feed: { image: { data: x, dims: [2, 1, 6, 6] } },
    expect: { logits: { data: logits, dims: [2, 3] } },
    tolerance: 1e-4,
  };
}

function reshapeTransposeCase(): ConformanceCase {
  // [N, 12] → Reshape [-1, 3, 4] → Transpose perm [0,2,1] → Reshape [N, 12]; then MatMul with a [12, 2] weight.
  const g = new GraphBuilder();
  g.input('x', 'float32', ['N', 12]);
  const s1 = g.initializer('s1', { dtype: 'int64', dims: [3], data: [-1, 3, 4] });
  const s2 = g.initializer('s2', { dtype: 'int64', dims: [2], data: [0, 12] });
  const w = rand(24, 8);
  let v = g.node('Reshape', ['x', s1]);
  v = g.node('Transpose', [v], { perm: attr.ints([0, 2, 1]) });
  v = g.node('Reshape', [v, s2]);
  g.node('MatMul', [v, g.initializer('w', { dtype: 'float32', dims: [12, 2], data: w })], {}, ['y']);
  g.output('y', 'float32', ['N', 2]);
  const x = rand(36, 9);
  const t = new Float32Array(36);
  for (let n = 0; n < 3; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) t[n * 12 + j * 3 + i] = x[n * 12 + i * 4 + j]!;
  return {
    name: 'Reshape (with -1 and 0), Transpose, MatMul',
    model: g.toBytes(),
    feed: { x: { data: x, dims: [3, 12] } },
    expect: { y: { data: refMatmul(t, w, 3, 12, 2), dims: [3, 2] } },
    tolerance: 1e-5,
  };
}

function quantizedCase(): ConformanceCase {
  // What dynamic quantization emits: DynamicQuantizeLinear(x) → MatMulInteger with int8 weights → Cast → Mul by scales;
  // plus a QDQ branch: QuantizeLinear → DequantizeLinear on the result.
  const wq = Int8Array.from(rand(8 * 3, 10), (v) => Math.round(v * 127));
  const wScale = 0.02;
  const g = new GraphBuilder();
  g.input('x', 'float32', ['N', 8]);
  const [q, qs, qz] = [g.fresh('q'), g.fresh('qs'), g.fresh('qz')];
  g.node('DynamicQuantizeLinear', ['x'], {}, [q, qs, qz]);
  const wi = g.initializer('wq', { dtype: 'int8', dims: [8, 3], data: wq });
  const wz = g.initializer('wz', { dtype: 'int8', dims: [], data: new Int8Array([0]) });
  const acc = g.node('MatMulInteger', [q, wi, qz, wz]);
  const f = g.node('Cast', [acc], { to: attr.int(1) });
  const sc = g.node('Mul', [qs, g.initializer('ws', { dtype: 'float32', dims: [], data: new Float32Array([wScale]) })]);
  const y = g.node('Mul', [f, sc], {}, ['y']);
  const os = g.initializer('os', { dtype: 'float32', dims: [], data: new Float32Array([0.05]) });
  const oz = g.initializer('oz', { dtype: 'uint8', dims: [], data: new Uint8Array([128]) });
  g.node('DequantizeLinear', [g.node('QuantizeLinear', [y, os, oz]), os, oz], {}, ['yq']);
  g.output('y', 'float32', ['N', 3]);
  g.output('yq', 'float32', ['N', 3]);

  const x = rand(16, 12, -1.5, 2);
  const lo = Math.min(0, ...x);
  const hi = Math.max(0, ...x);
  const scale = Math.fround((hi - lo) / 255);
  const zp = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  const xq = map(x, (v) => Math.min(255, Math.max(0, roundHalfEven(v / scale) + zp)) - zp);
  const accRef = refMatmul(xq, Float32Array.from(wq), 2, 8, 3);
  const yRef = map(accRef, (v) => v * Math.fround(scale * wScale));
  const yqRef = map(yRef, (v) => (Math.min(255, Math.max(0, roundHalfEven(v / 0.05) + 128)) - 128) * 0.05);
  return {
    name: 'DynamicQuantizeLinear, MatMulInteger, Cast, QuantizeLinear, DequantizeLinear',
    model: g.toBytes(),
    feed: { x: { data: x, dims: [2, 8] } },
    expect: { y: { data: yRef, dims: [2, 3] }, yq: { data: yqRef, dims: [2, 3] } },
    tolerance: 2e-3,
  };
}

/** Every case the suite runs. */
export function conformanceCases(): ConformanceCase[] {
  return [elementwiseCase(), cnnCase(), reshapeTransposeCase(), quantizedCase(), ...recurrentCases(), ...lightCases()];
}
