/** Reshape, flatten and transpose (transpose materialises a contiguous copy). */
import { Tensor, accumulate } from '../tensor.js';
import { type Shape, sizeOf, stridesOf, shapeMismatch, stridedIndexMap } from '../shape.js';

/** New shape over the same data; one dimension may be -1. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const known = s.reduce((a, d, i) => (i === neg ? a : a * d), 1);
    s[neg] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(s) !== x.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw shapeMismatch(`cannot reshape [${x.shape}] (${x.size} elements) to [${shape}]`);
  }
  return Tensor.fromOp(x.data, s, [x], (g) => accumulate(x, g));
}

/** Keep dim 0, merge the rest: [N, ...] → [N, prod(rest)]. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0] ?? 1, -1]);
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const nd = x.ndim;
  const p = perm ?? Array.from({ length: nd }, (_, i) => nd - 1 - i);
  if (p.length !== nd || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw shapeMismatch(`bad permutation [${p}] for a ${nd}-d tensor`);
  }
  const outShape = p.map((a) => x.shape[a]!);
  const inStrides = stridesOf(x.shape);
  const srcStride = p.map((a) => inStrides[a]!);
  const n = x.size;
  const map = stridedIndexMap(outShape, srcStride); // map[o] = source index of output element o
  const out = new Float32Array(n);
  for (let o = 0; o < n; o++) out[o] = x.data[map[o]!]!;
  return Tensor.fromOp(out, outShape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let o = 0; o < n; o++) gx[map[o]!]! += g[o]!;
  });
}

/** Concatenate along axis 0 (used to assemble batches and in tests). */
export function concat0(parts: readonly Tensor[]): Tensor {
  if (parts.length === 0) throw shapeMismatch('concat of no tensors');
  const rest = parts[0]!.shape.slice(1);
  let rows = 0;
  for (const t of parts) {
    if (t.shape.slice(1).join() !== rest.join()) throw shapeMismatch(`concat: [${t.shape}] does not match [*,${rest}]`);
    rows += t.shape[0]!;
  }
  const out = new Float32Array(rows * sizeOf(rest));
  let off = 0;
  for (const t of parts) {
    out.set(t.data, off);
    off += t.size;
  }
  return Tensor.fromOp(out, [rows, ...rest], parts, (g) => {
    let o = 0;
    for (const t of parts) {
      accumulate(t, g.subarray(o, o + t.size));
      o += t.size;
    }
  });
}
