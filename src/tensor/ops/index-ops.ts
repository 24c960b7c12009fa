/**
 * Index ops along any axis: narrow (a contiguous slice), concat, and gather (ONNX Gather,
 * embedding lookup). The recurrent layers need them to split packed states, join directions and
 * look up tokens; each is one copy forward and one scatter-add backward.
 */
import { Tensor, accumulate } from '../tensor.js';
import { shapeMismatch, sizeOf } from '../shape.js';
import { LeptonError } from '../../core/errors.js';

const normAxis = (axis: number, nd: number): number => {
  const a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd) throw shapeMismatch(`axis ${axis} out of range for a ${nd}-d tensor`);
  return a;
};

/** x[..., start:start+len, ...] along `axis`. */
export function narrow(x: Tensor, axis: number, start: number, len: number): Tensor {
  const a = normAxis(axis, x.ndim);
  const d = x.shape[a]!;
  if (start < 0 || len < 0 || start + len > d) throw shapeMismatch(`narrow [${start}, ${start + len}) outside axis ${a} of [${x.shape}]`);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape];
  shape[a] = len;
  if (outer === 1) {
    const data = x.data.slice(start * inner, (start + len) * inner);
    return Tensor.fromOp(data, shape, [x], (g) => {
      const gx = x.gradBuffer();
      for (let i = 0; i < g.length; i++) gx[start * inner + i]! += g[i]!;
    });
  }
  const out = new Float32Array(outer * len * inner);
  for (let o = 0; o < outer; o++) out.set(x.data.subarray((o * d + start) * inner, (o * d + start + len) * inner), o * len * inner);
  return Tensor.fromOp(out, shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++) {
      const src = o * len * inner;
      const dst = (o * d + start) * inner;
      for (let i = 0; i < len * inner; i++) gx[dst + i]! += g[src + i]!;
    }
  });
}

/** Join tensors along `axis` (all other dims equal). */
export function concat(parts: readonly Tensor[], axis: number): Tensor {
  if (parts.length === 0) throw shapeMismatch('concat of no tensors');
  const first = parts[0]!;
  const a = normAxis(axis, first.ndim);
  for (const p of parts) {
    if (p.ndim !== first.ndim || p.shape.some((v, i) => i !== a && v !== first.shape[i])) throw shapeMismatch(`concat on axis ${a}: [${p.shape}] does not match [${first.shape}]`);
  }
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const widths = parts.map((p) => p.shape[a]! * inner);
  const total = widths.reduce((s, v) => s + v, 0);
  const out = new Float32Array(outer * total);
  let off = 0;
  parts.forEach((p, k) => {
    const wdt = widths[k]!;
    for (let o = 0; o < outer; o++) out.set(p.data.subarray(o * wdt, (o + 1) * wdt), o * total + off);
    off += wdt;
  });
  const shape = [...first.shape];
  shape[a] = total / inner;
  return Tensor.fromOp(out, shape, parts, (g) => {
    let at = 0;
    parts.forEach((p, k) => {
      const wdt = widths[k]!;
      if (p.requiresGrad) {
        if (outer === 1) accumulate(p, g.subarray(at, at + wdt));
        else {
          const gp = p.gradBuffer();
          for (let o = 0; o < outer; o++) for (let i = 0; i < wdt; i++) gp[o * wdt + i]! += g[o * total + at + i]!;
        }
      }
      at += wdt;
    });
  });
}

/**
 * ONNX Gather: out = x.shape[:axis] + idxShape + x.shape[axis+1:], picking slices of `x` along
 * `axis` by `indices` (negative counts from the end). `skip` is an index whose gradient is
 * dropped (Embedding's padding_idx). Indices carry no gradient.
 */
export function gather(x: Tensor, indices: ArrayLike<number>, idxShape: readonly number[], axis = 0, skip?: number): Tensor {
  const a = normAxis(axis, x.ndim);
  const d = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const m = indices.length;
  if (m !== sizeOf(idxShape)) throw shapeMismatch(`gather: ${m} indices for index shape [${idxShape}]`);
  const idx = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const v = Math.trunc(indices[i]!);
    const k = v < 0 ? v + d : v;
    if (!(k >= 0 && k < d)) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `index ${indices[i]} out of range for a dimension of size ${d}`);
    idx[i] = k;
  }
  const out = new Float32Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) out.set(x.data.subarray((o * d + idx[i]!) * inner, (o * d + idx[i]! + 1) * inner), (o * m + i) * inner);
  }
  const shape = [...x.shape.slice(0, a), ...idxShape, ...x.shape.slice(a + 1)];
  return Tensor.fromOp(out, shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < m; i++) {
        if (idx[i] === skip) continue;
        const dst = (o * d + idx[i]!) * inner;
        const src = (o * m + i) * inner;
        for (let j = 0; j < inner; j++) gx[dst + j]! += g[src + j]!;
      }
    }
  });
}

/**
 * [A, B, C] → [B, A, C]: the batch-first ↔ time-major swap of sequence layers, as C-long block
 * copies (a generic transpose builds an index map per element, which costs more than the copy).
 */
export function swap01(x: Tensor): Tensor {
  if (x.ndim !== 3) throw shapeMismatch(`swap01 needs a 3-d tensor, got [${x.shape}]`);
  const [A, B, C] = x.shape as [number, number, number];
  const out = new Float32Array(x.size);
  const src = x.data;
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) out.set(src.subarray((a * B + b) * C, (a * B + b + 1) * C), (b * A + a) * C);
  return Tensor.fromOp(out, [B, A, C], [x], (g) => {
    const gx = x.gradBuffer();
    for (let a = 0; a < A; a++) {
      for (let b = 0; b < B; b++) {
        const d = (a * B + b) * C;
        const s = (b * A + a) * C;
        for (let c = 0; c < C; c++) gx[d + c]! += g[s + c]!;
      }
    }
  });
}
