/**
 * Reductions along an axis (sum, mean, max) and the softmax family. Each works on the
 * [outer, len, inner] view of the input so one loop nest serves every axis.
 */
import { Tensor } from '../tensor.js';
import { normAxis, splitAxis, sizeOf } from '../shape.js';

function reducedShape(shape: readonly number[], axis: number, keepDims: boolean): number[] {
  const s = [...shape];
  if (keepDims) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

/** Sum over all elements (axis undefined → scalar) or along one axis. */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  if (axis === undefined) {
    let s = 0;
    const d = x.data;
    for (let i = 0; i < d.length; i++) s += d[i]!;
    return Tensor.fromOp(Float32Array.of(s), keepDims ? x.shape.map(() => 1) : [], [x], (g) => {
      const gx = x.gradBuffer();
      const gv = g[0]!;
      for (let i = 0; i < gx.length; i++) gx[i]! += gv;
    });
  }
  const ax = normAxis(axis, x.ndim);
  const [outer, len, inner] = splitAxis(x.shape, ax);
  const out = new Float32Array(outer * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++)
    for (let l = 0; l < len; l++) {
      const base = (o * len + l) * inner;
      for (let i = 0; i < inner; i++) out[o * inner + i]! += d[base + i]!;
    }
  return Tensor.fromOp(out, reducedShape(x.shape, ax, keepDims), [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++)
      for (let l = 0; l < len; l++) {
        const base = (o * len + l) * inner;
        for (let i = 0; i < inner; i++) gx[base + i]! += g[o * inner + i]!;
      }
  });
}

export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  const n = axis === undefined ? x.size : x.shape[normAxis(axis, x.ndim)]!;
  const s = sum(x, axis, keepDims);
  const out = new Float32Array(s.size);
  for (let i = 0; i < out.length; i++) out[i] = s.data[i]! / n;
  return Tensor.fromOp(out, s.shape, [s], (g) => {
    const gs = s.gradBuffer();
    for (let i = 0; i < gs.length; i++) gs[i]! += g[i]! / n;
  });
}

/** Max along an axis; the gradient goes to the first maximal element (as PyTorch's max(dim)). */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const ax = normAxis(axis, x.ndim);
  const [outer, len, inner] = splitAxis(x.shape, ax);
  const out = new Float32Array(outer * inner);
  const arg = new Int32Array(outer * inner);
  const d = x.data;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      let bi = 0;
      for (let l = 0; l < len; l++) {
        const v = d[(o * len + l) * inner + i]!;
        if (v > best) {
          best = v;
          bi = l;
        }
      }
      out[o * inner + i] = best;
      arg[o * inner + i] = (o * len + bi) * inner + i;
    }
  return Tensor.fromOp(out, reducedShape(x.shape, ax, keepDims), [x], (g) => {
    const gx = x.gradBuffer();
    for (let j = 0; j < arg.length; j++) gx[arg[j]!]! += g[j]!;
  });
}

/** Index of the largest value along the last axis of [rows, cols] data (no gradient). */
export function argmaxRows(x: Tensor): Int32Array {
  const cols = x.shape[x.ndim - 1]!;
  const rows = sizeOf(x.shape) / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = x.data[r * cols + c]!;
      if (v > best) {
        best = v;
        out[r] = c;
      }
    }
  }
  return out;
}

/** log-softmax along `axis`, computed with the max subtracted for stability. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.ndim);
  const [outer, len, inner] = splitAxis(x.shape, ax);
  const out = new Float32Array(x.size);
  const d = x.data;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let l = 0; l < len; l++) m = Math.max(m, d[base + l * inner]!);
      let s = 0;
      for (let l = 0; l < len; l++) s += Math.exp(d[base + l * inner]! - m);
      const lse = m + Math.log(s);
      for (let l = 0; l < len; l++) out[base + l * inner] = d[base + l * inner]! - lse;
    }
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    // d/dx_j = g_j - softmax_j * Σ g
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let gs = 0;
        for (let l = 0; l < len; l++) gs += g[base + l * inner]!;
        for (let l = 0; l < len; l++) {
          const k = base + l * inner;
          gx[k]! += g[k]! - Math.exp(out[k]!) * gs;
        }
      }
  });
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.ndim);
  const [outer, len, inner] = splitAxis(x.shape, ax);
  const ls = logSoftmax(x.detach(), ax);
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(ls.data[i]!);
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    // d/dx_j = y_j (g_j - Σ g_k y_k)
    const gx = x.gradBuffer();
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let dot = 0;
        for (let l = 0; l < len; l++) dot += g[base + l * inner]! * out[base + l * inner]!;
        for (let l = 0; l < len; l++) {
          const k = base + l * inner;
          gx[k]! += out[k]! * (g[k]! - dot);
        }
      }
  });
}
