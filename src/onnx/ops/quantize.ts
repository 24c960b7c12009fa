/**
 * The quantization operators our int8 rewrites emit: QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, MatMulInteger and ConvInteger. Integer results are exact small integers
 * held in float32; rounding is half-to-even and saturation follows the zero point's dtype, as ONNX says.
 */
import { LeptonError } from '../../core/errors.js';
import { Tensor, add, conv2d, div, mul, reshape, sub } from '../../tensor/index.js';
import { attrInt } from './attributes.js';
import { f32, need, type OpEntry } from './types.js';
import { convOptions } from './window.js';

/** Round half to even, as ONNX quantization specifies. */
export function roundEven(x: number): number {
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
  return reshape(p, x.shape.map((d, i) => (i === ax ? d : 1)));
}

/** Exact integer matmul: (A − a0)·(B − b0) accumulated in doubles; b0 may be per column. */
function matmulInteger(a: Tensor, b: Tensor, a0: Tensor | undefined, b0: Tensor | undefined): Tensor {
  if (b.ndim !== 2 || a.shape[a.ndim - 1] !== b.shape[0]) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `MatMulInteger: [${a.shape}] · [${b.shape}]`);
  const k = b.shape[0]!;
  const n = b.shape[1]!;
  const m = a.size / k;
  const bz = b0 && b0.size > 1 ? b0.data : null; // per-column zero points
  const bz0 = b0?.data[0] ?? 0;
  const az = a0?.data[0] ?? 0;
  const out = new Float32Array(m * n);
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a.data[i * k + p]! - az;
      if (av === 0) continue;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j]! += av * (b.data[row + j]! - (bz ? bz[j]! : bz0));
    }
    out.set(acc, i * n);
  }
  return new Tensor(out, [...a.shape.slice(0, -1), n]);
}

export const DequantizeLinear: OpEntry = {
  opType: 'DequantizeLinear',
  differentiable: true,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    const axis = attrInt(n, 'axis', 1);
    const z = i[2] ? sub(x, alongAxis(x, i[2].t, axis)) : x;
    return [f32(mul(z, alongAxis(x, need(i, 1, n).t, axis)))];
  },
};

export const QuantizeLinear: OpEntry = {
  opType: 'QuantizeLinear',
  differentiable: false,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    const axis = attrInt(n, 'axis', 1);
    const s = alongAxis(x, need(i, 1, n).t, axis);
    const zp = i[2];
    const dtype = zp?.dtype ?? 'uint8';
    const [lo, hi] = qRange(dtype);
    const scaled = div(x, s).data.map(roundEven);
    const q = zp ? add(new Tensor(scaled, x.shape), alongAxis(x, zp.t, axis)).data : scaled;
    return [{ t: new Tensor(q.map((v) => Math.min(hi, Math.max(lo, v))), x.shape), dtype }];
  },
};

export const DynamicQuantizeLinear: OpEntry = {
  opType: 'DynamicQuantizeLinear',
  differentiable: false,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    let lo = 0; // the range always includes 0, so 0 is exactly representable
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
};

export const MatMulInteger: OpEntry = {
  opType: 'MatMulInteger',
  differentiable: false,
  run: (i, n) => [{ t: matmulInteger(need(i, 0, n).t, need(i, 1, n).t, i[2]?.t, i[3]?.t), dtype: 'int32' }],
};

export const ConvInteger: OpEntry = {
  opType: 'ConvInteger',
  differentiable: false,
  run: (i, n) => {
    const x = need(i, 0, n).t;
    const w = need(i, 1, n).t;
    // Integer conv via float conv is exact here: every partial sum stays far below 2^24.
    const xs = i[2] ? sub(x, i[2].t.size === 1 ? reshape(i[2].t, []) : i[2].t) : x;
    const ws = i[3] ? sub(w, alongAxis(w, i[3].t, 0)) : w;
    return [{ t: conv2d(xs, ws, null, convOptions(n)), dtype: 'int32' }];
  },
};
