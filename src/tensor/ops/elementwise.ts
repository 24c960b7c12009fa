/**
 * Elementwise ops with NumPy broadcasting, and their gradients. Broadcast gradients are summed
 * back to each input's shape. Same-shape and "row" broadcasts ([N, C] with [C]) take fast paths.
 */
import { Tensor, accumulate } from '../tensor.js';
import { type Shape, broadcastShapes, broadcastIndex, shapeEq, sizeOf } from '../shape.js';
import { kernels } from '../kernels/index.js';

type BinKind = 'add' | 'sub' | 'mul' | 'div';

/** Is `small` the trailing part of `big` (so small repeats every small.size elements)? */
function isSuffix(big: Shape, small: Shape): boolean {
  if (small.length > big.length) return false;
  for (let i = 1; i <= small.length; i++) if (small[small.length - i] !== big[big.length - i]) return false;
  return true;
}

/** For each output element, the index into `t` (null when `t` already has the output shape). */
function indexFor(t: Tensor, outShape: Shape): Int32Array | null | 'scalar' | 'suffix' {
  if (shapeEq(t.shape, outShape)) return null;
  if (t.size === 1) return 'scalar';
  if (isSuffix(outShape, t.shape)) return 'suffix';
  return broadcastIndex(outShape, t.shape);
}

function gather(t: Tensor, map: ReturnType<typeof indexFor>, n: number): Float32Array {
  if (map === null) return t.data;
  const out = new Float32Array(n);
  if (map === 'scalar') out.fill(t.data[0]!);
  else if (map === 'suffix') for (let i = 0; i < n; i++) out[i] = t.data[i % t.size]!;
  else for (let i = 0; i < n; i++) out[i] = t.data[map[i]!]!;
  return out;
}

/** Sum a full-size gradient back into `t` through the broadcast map. */
function scatterGrad(t: Tensor, map: ReturnType<typeof indexFor>, g: Float32Array): void {
  if (!t.requiresGrad) return;
  if (map === null) return accumulate(t, g);
  const buf = t.gradBuffer();
  if (map === 'scalar') {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i]!;
    buf[0]! += s;
  } else if (map === 'suffix') {
    const m = t.size;
    for (let i = 0; i < g.length; i++) buf[i % m]! += g[i]!;
  } else {
    for (let i = 0; i < g.length; i++) buf[map[i]!]! += g[i]!;
  }
}

function binary(kind: BinKind, a: Tensor, b: Tensor): Tensor {
  const shape = shapeEq(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape);
  const n = sizeOf(shape);
  const ma = indexFor(a, shape);
  const mb = indexFor(b, shape);
  const av = gather(a, ma, n);
  const bv = gather(b, mb, n);
  const out = new Float32Array(n);
  switch (kind) {
    case 'add': for (let i = 0; i < n; i++) out[i] = av[i]! + bv[i]!; break;
    case 'sub': for (let i = 0; i < n; i++) out[i] = av[i]! - bv[i]!; break;
    case 'mul': for (let i = 0; i < n; i++) out[i] = av[i]! * bv[i]!; break;
    case 'div': for (let i = 0; i < n; i++) out[i] = av[i]! / bv[i]!; break;
  }
  return Tensor.fromOp(out, shape, [a, b], (g) => {
    const ga = new Float32Array(n);
    const gb = new Float32Array(n);
    switch (kind) {
      case 'add': ga.set(g); gb.set(g); break;
      case 'sub': for (let i = 0; i < n; i++) { ga[i] = g[i]!; gb[i] = -g[i]!; } break;
      case 'mul': for (let i = 0; i < n; i++) { ga[i] = g[i]! * bv[i]!; gb[i] = g[i]! * av[i]!; } break;
      case 'div':
        for (let i = 0; i < n; i++) {
          const y = bv[i]!;
          ga[i] = g[i]! / y;
          gb[i] = (-g[i]! * av[i]!) / (y * y);
        }
        break;
    }
    scatterGrad(a, ma, ga);
    scatterGrad(b, mb, gb);
  });
}

const asTensor = (v: Tensor | number): Tensor => (typeof v === 'number' ? Tensor.scalar(v) : v);

export const add = (a: Tensor, b: Tensor | number): Tensor => binary('add', a, asTensor(b));
export const sub = (a: Tensor, b: Tensor | number): Tensor => binary('sub', a, asTensor(b));
export const mul = (a: Tensor, b: Tensor | number): Tensor => binary('mul', a, asTensor(b));
export const div = (a: Tensor, b: Tensor | number): Tensor => binary('div', a, asTensor(b));

/**
 * A unary op from its value function and derivative. `dfn` gets (x, y) so derivatives that are
 * cheapest in terms of the output (sigmoid, tanh, exp) reuse it.
 */
function unary(x: Tensor, fn: (v: number) => number, dfn: (x: number, y: number) => number): Tensor {
  const n = x.size;
  const out = new Float32Array(n);
  const xd = x.data;
  for (let i = 0; i < n; i++) out[i] = fn(xd[i]!);
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < n; i++) gx[i]! += g[i]! * dfn(xd[i]!, out[i]!);
  });
}

/** Through the active kernels: branch-free (JS) or SIMD (wasm), since activations are large. */
export function relu(x: Tensor): Tensor {
  const n = x.size;
  const out = new Float32Array(n);
  const K = kernels();
  K.relu(x.data, out, n);
  return Tensor.fromOp(out, x.shape, [x], (g) => K.reluBackward(x.data, g, x.gradBuffer(), n));
}

export const sigmoid = (x: Tensor): Tensor =>
  unary(x, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))), (_x, y) => y * (1 - y));
export const tanh = (x: Tensor): Tensor => unary(x, Math.tanh, (_x, y) => 1 - y * y);
export const exp = (x: Tensor): Tensor => unary(x, Math.exp, (_x, y) => y);
export const log = (x: Tensor): Tensor => unary(x, Math.log, (v) => 1 / v);
export const neg = (x: Tensor): Tensor => unary(x, (v) => -v, () => -1);
export const square = (x: Tensor): Tensor => unary(x, (v) => v * v, (v) => 2 * v);
export const sqrt = (x: Tensor): Tensor => unary(x, Math.sqrt, (_x, y) => 0.5 / y);
export const abs = (x: Tensor): Tensor => unary(x, Math.abs, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0));
/** Multiply by a constant (cheaper than a broadcast mul, no gradient for the constant). */
export const scale = (x: Tensor, s: number): Tensor => unary(x, (v) => v * s, () => s);
/** Clamp to [lo, hi]; the gradient passes only inside the range (as in PyTorch). */
export const clamp = (x: Tensor, lo: number, hi: number): Tensor =>
  unary(x, (v) => (v < lo ? lo : v > hi ? hi : v), (v) => (v >= lo && v <= hi ? 1 : 0));
