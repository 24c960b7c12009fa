/** Shape arithmetic shared by the tensor ops: sizes, strides, broadcasting, axis normalisation. */
import { LeptonError } from '../core/errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function shapeMismatch(message: string): LeptonError {
  return new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', message);
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw shapeMismatch(`cannot broadcast [${a}] with [${b}]`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each element of `outShape` (row-major order), the flat source index when dim d advances the
 * source by `srcStrides[d]`. Broadcasting (stride 0) and transposition (permuted strides) are both this.
 */
export function stridedIndexMap(outShape: Shape, srcStrides: readonly number[]): Int32Array {
  const n = outShape.length;
  const total = sizeOf(outShape);
  const map = new Int32Array(total);
  const idx = new Array<number>(n).fill(0);
  let src = 0;
  for (let o = 0; o < total; o++) {
    map[o] = src;
    // Odometer step: bump the last dim, carrying into earlier dims.
    for (let d = n - 1; d >= 0; d--) {
      idx[d]!++;
      src += srcStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= srcStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return map;
}

/** For each element of `outShape`, the flat index of the element of `inShape` it reads under broadcasting. */
export function broadcastIndex(outShape: Shape, inShape: Shape): Int32Array {
  const n = outShape.length;
  const inStrides = stridesOf(inShape);
  // Effective stride per output dim: 0 where the input broadcasts.
  const eff = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const j = inShape.length - n + i;
    if (j >= 0 && inShape[j] !== 1) eff[i] = inStrides[j]!;
  }
  return stridedIndexMap(outShape, eff);
}

/** Normalise a possibly negative axis against `ndim`. */
export function normAxis(axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) throw shapeMismatch(`axis ${axis} out of range for ${ndim}-d tensor`);
  return a;
}

/** Split a shape around `axis` into [outer, len, inner] so reductions run as three loops. */
export function splitAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}
