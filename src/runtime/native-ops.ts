/**
 * ONNX operators on our tensor core (src/tensor), for the native engine. Values are float32
 * tensors; integer tensors (quantized data, shapes) are held as exact small integers in float32,
 * with their ONNX dtype tracked beside them so quantize ops saturate to the right range.
 */
import { LeptonError } from '../core/errors.js';
import { type ReadAttr } from '../onnx/reader.js';
import {
  Tensor, add, mul, sub, div, relu, sigmoid, tanh, softmax, reshape, transpose, matmul, conv2d, maxPool2d, avgPool2d, sqrt, scale,
} from '../tensor/index.js';

export interface Value {
  t: Tensor;
  dtype: string;
}

export interface OpNode {
  opType: string;
  name: string;
  attrs: Record<string, ReadAttr>;
}

type Attrs = Record<string, ReadAttr>;
type Kernel = (inputs: Array<Value | undefined>, attrs: Attrs, node: OpNode) => Value[];

function unsupported(node: OpNode, what: string): LeptonError {
  return new LeptonError('LEPTON_ERR_UNSUPPORTED', `native engine: ${node.opType} (${node.name}) with ${what} is not supported`, { details: { op: node.opType } });
}

const int = (a: Attrs, k: string, d: number): number => (a[k]?.type === 'int' ? (a[k] as { value: number }).value : d);
const float = (a: Attrs, k: string, d: number): number => (a[k]?.type === 'float' ? (a[k] as { value: number }).value : d);
const ints = (a: Attrs, k: string): number[] | undefined => (a[k]?.type === 'ints' ? (a[k] as { value: number[] }).value : undefined);
const str = (a: Attrs, k: string, d: string): string => (a[k]?.type === 'string' ? (a[k] as { value: string }).value : d);

function need(inputs: Array<Value | undefined>, i: number, node: OpNode): Value {
  const v = inputs[i];
  if (!v) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `native engine: ${node.opType} (${node.name}) is missing input ${i}`);
  return v;
}

const f32 = (t: Tensor): Value => ({ t, dtype: 'float32' });
const numbers = (v: Value): number[] => Array.from(v.t.data);

/** Round half to even, as ONNX quantization specifies. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function qRange(dtype: string): [number, number] {
  return dtype === 'int8' ? [-128, 127] : [0, 255];
}

/** Per-tensor or per-axis broadcast of a 1-D parameter along `axis` of x. */
function alongAxis(x: Tensor, p: Tensor, axis: number): Tensor {
  if (p.size === 1) return p.ndim === 0 ? p : reshape(p, []);
  const ax = axis < 0 ? axis + x.ndim : axis;
  const shape = x.shape.map((d, i) => (i === ax ? d : 1));
  return reshape(p, shape);
}

function pads2d(node: OpNode, a: Attrs): [number, number] {
  if (str(a, 'auto_pad', 'NOTSET') !== 'NOTSET' && str(a, 'auto_pad', 'NOTSET') !== 'VALID') throw unsupported(node, `auto_pad=${str(a, 'auto_pad', '')}`);
  const p = ints(a, 'pads') ?? [0, 0, 0, 0];
  if (p.length !== 4 || p[0] !== p[2] || p[1] !== p[3]) throw unsupported(node, `asymmetric pads [${p.join(', ')}]`);
  return [p[0]!, p[1]!];
}

function strides2d(a: Attrs): [number, number] {
  const s = ints(a, 'strides') ?? [1, 1];
  return [s[0] ?? 1, s[1] ?? 1];
}

function kernel2d(node: OpNode, a: Attrs): [number, number] {
  const k = ints(a, 'kernel_shape');
  if (!k || k.length !== 2) throw unsupported(node, 'a kernel_shape that is not 2-D');
  if ((ints(a, 'dilations') ?? [1, 1]).some((d) => d !== 1)) throw unsupported(node, 'dilations');
  return [k[0]!, k[1]!];
}

function convFloat(node: OpNode, a: Attrs, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (int(a, 'group', 1) !== 1) throw unsupported(node, 'group > 1');
  if ((ints(a, 'dilations') ?? [1, 1]).some((d) => d !== 1)) throw unsupported(node, 'dilations');
  return conv2d(x, w, b, { stride: strides2d(a), padding: pads2d(node, a) });
}

/** Exact integer matmul (ONNX MatMulInteger): (A − a0)·(B − b0) accumulated in doubles. */
function matmulInteger(a: Tensor, b: Tensor, a0: Tensor, b0: Tensor): Tensor {
  if (b.ndim !== 2 || a.shape[a.ndim - 1] !== b.shape[0]) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `MatMulInteger: [${a.shape}] · [${b.shape}]`);
  const k = b.shape[0]!;
  const n = b.shape[1]!;
  const m = a.size / k;
  const bz = b0.size === 1 ? null : b0.data; // per-column zero points
  const out = new Float32Array(m * n);
  const az = a0.data[0] ?? 0;
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a.data[i * k + p]! - az;
      if (av === 0) continue;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j]! += av * (b.data[row + j]! - (bz ? bz[j]! : b0.data[0] ?? 0));
    }
    out.set(acc, i * n);
  }
  return new Tensor(out, [...a.shape.slice(0, -1), n]);
}

const KERNELS: Record<string, Kernel> = {
  Identity: (i, _a, n) => [need(i, 0, n)],
  Dropout: (i, _a, n) => [need(i, 0, n)],
  Relu: (i, _a, n) => [f32(relu(need(i, 0, n).t))],
  Sigmoid: (i, _a, n) => [f32(sigmoid(need(i, 0, n).t))],
  Tanh: (i, _a, n) => [f32(tanh(need(i, 0, n).t))],
  Add: (i, _a, n) => [f32(add(need(i, 0, n).t, need(i, 1, n).t))],
  Sub: (i, _a, n) => [f32(sub(need(i, 0, n).t, need(i, 1, n).t))],
  Mul: (i, _a, n) => [f32(mul(need(i, 0, n).t, need(i, 1, n).t))],
  Div: (i, _a, n) => [f32(div(need(i, 0, n).t, need(i, 1, n).t))],
  Softmax: (i, a, n) => [f32(softmax(need(i, 0, n).t, int(a, 'axis', -1)))],
  MatMul: (i, _a, n) => [f32(matmul(need(i, 0, n).t, need(i, 1, n).t))],
  Gemm: (i, a, n) => {
    let A = need(i, 0, n).t;
    let B = need(i, 1, n).t;
    if (int(a, 'transA', 0)) A = transpose(A, [1, 0]);
    if (int(a, 'transB', 0)) B = transpose(B, [1, 0]);
    let y = matmul(A, B);
    const alpha = float(a, 'alpha', 1);
    if (alpha !== 1) y = scale(y, alpha);
    const C = i[2];
    if (C) {
      const beta = float(a, 'beta', 1);
      y = add(y, beta === 1 ? C.t : scale(C.t, beta));
    }
    return [f32(y)];
  },
  Flatten: (i, a, n) => {
    const x = need(i, 0, n).t;
    const axis = int(a, 'axis', 1) < 0 ? int(a, 'axis', 1) + x.ndim : int(a, 'axis', 1);
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return [{ t: reshape(x, [outer, x.size / outer]), dtype: need(i, 0, n).dtype }];
  },
  Reshape: (i, a, n) => {
    const x = need(i, 0, n);
    const target = numbers(need(i, 1, n));
    const allowZero = int(a, 'allowzero', 0) === 1;
    const shape = target.map((d, k) => (d === 0 && !allowZero ? x.t.shape[k]! : d));
    return [{ t: reshape(x.t, shape), dtype: x.dtype }];
  },
  Transpose: (i, a, n) => {
    const x = need(i, 0, n);
    return [{ t: transpose(x.t, ints(a, 'perm')), dtype: x.dtype }];
  },
  Conv: (i, a, n) => [f32(convFloat(n, a, need(i, 0, n).t, need(i, 1, n).t, i[2]?.t ?? null))],
  ConvInteger: (i, a, n) => {
    const x = need(i, 0, n).t;
    const w = need(i, 1, n).t;
    const xz = i[2] ? i[2].t : null;
    const wz = i[3] ? i[3].t : null;
    // Integer conv via float conv is exact here: every partial sum stays far below 2^24.
    const xs = xz ? sub(x, xz.size === 1 ? reshape(xz, []) : xz) : x;
    const ws = wz ? sub(w, alongAxis(w, wz, 0)) : w;
    return [{ t: convFloat(n, a, xs, ws, null), dtype: 'int32' }];
  },
  MaxPool: (i, a, n) => {
    if (int(a, 'ceil_mode', 0)) throw unsupported(n, 'ceil_mode=1');
    return [f32(maxPool2d(need(i, 0, n).t, { kernel: kernel2d(n, a), stride: strides2d(a), padding: pads2d(n, a) }))];
  },
  AveragePool: (i, a, n) => {
    if (int(a, 'ceil_mode', 0)) throw unsupported(n, 'ceil_mode=1');
    const x = need(i, 0, n).t;
    const opts = { kernel: kernel2d(n, a), stride: strides2d(a), padding: pads2d(n, a) };
    const y = avgPool2d(x, opts);
    if (int(a, 'count_include_pad', 0) === 1 || (opts.padding[0] === 0 && opts.padding[1] === 0)) return [f32(y)];
    // ONNX's default excludes padding from the count: divide by the share of each window inside the image.
    const inside = avgPool2d(Tensor.ones([1, 1, x.shape[2]!, x.shape[3]!]), opts);
    return [f32(div(y, inside))];
  },
  BatchNormalization: (i, a, n) => {
    const x = need(i, 0, n).t;
    const [g, b, m, v] = [1, 2, 3, 4].map((k) => need(i, k, n).t) as [Tensor, Tensor, Tensor, Tensor];
    const shape = x.shape.map((d, k) => (k === 1 ? d : 1));
    const s = div(g, sqrt(add(v, float(a, 'epsilon', 1e-5)))); // [C]
    const shift = sub(b, mul(m, s));
    return [f32(add(mul(x, reshape(s, shape)), reshape(shift, shape)))];
  },
  Cast: (i, a, n) => {
    const x = need(i, 0, n);
    const to = int(a, 'to', 1);
    const names: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 11: 'float64', 9: 'bool' };
    const dtype = names[to];
    if (!dtype) throw unsupported(n, `cast to type ${to}`);
    if (dtype === 'float32' || dtype === 'float64') return [{ t: x.t, dtype }];
    const data = dtype === 'bool' ? x.t.data.map((v) => (v !== 0 ? 1 : 0)) : x.t.data.map(Math.trunc);
    return [{ t: new Tensor(data, x.t.shape), dtype }];
  },
  DequantizeLinear: (i, a, n) => {
    const x = need(i, 0, n).t;
    const s = need(i, 1, n).t;
    const axis = int(a, 'axis', 1);
    const z = i[2] ? sub(x, alongAxis(x, i[2].t, axis)) : x;
    return [f32(mul(z, alongAxis(x, s, axis)))];
  },
  QuantizeLinear: (i, a, n) => {
    const x = need(i, 0, n).t;
    const s = alongAxis(x, need(i, 1, n).t, int(a, 'axis', 1));
    const zp = i[2];
    const dtype = zp?.dtype ?? 'uint8';
    const [lo, hi] = qRange(dtype);
    const scaled = div(x, s).data.map(roundEven);
    const q = zp ? add(new Tensor(scaled, x.shape), alongAxis(x, zp.t, int(a, 'axis', 1))).data : scaled;
    return [{ t: new Tensor(q.map((v) => Math.min(hi, Math.max(lo, v))), x.shape), dtype }];
  },
  DynamicQuantizeLinear: (i, _a, n) => {
    const x = need(i, 0, n).t;
    let lo = 0;
    let hi = 0;
    for (const v of x.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const s = Math.fround((hi - lo) / 255) || 1;
    const zp = Math.min(255, Math.max(0, roundEven(-lo / s)));
    const q = x.data.map((v) => Math.min(255, Math.max(0, roundEven(v / s) + zp)));
    return [
      { t: new Tensor(q, x.shape), dtype: 'uint8' },
      f32(new Tensor(new Float32Array([s]), [])),
      { t: new Tensor(new Float32Array([zp]), []), dtype: 'uint8' },
    ];
  },
  MatMulInteger: (i, _a, n) => {
    const zero = new Tensor(new Float32Array([0]), []);
    return [{ t: matmulInteger(need(i, 0, n).t, need(i, 1, n).t, i[2]?.t ?? zero, i[3]?.t ?? zero), dtype: 'int32' }];
  },
};

/** Operators the native engine runs. */
export const NATIVE_OPS: ReadonlySet<string> = new Set([...Object.keys(KERNELS), 'Constant']);

export function runOp(node: OpNode, inputs: Array<Value | undefined>): Value[] {
  const k = KERNELS[node.opType];
  if (!k) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `native engine: operator ${node.opType} is not supported`, { details: { op: node.opType } });
  return k(inputs, node.attrs, node);
}
