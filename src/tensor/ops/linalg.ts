/** Matrix products through the active GEMM kernel: matmul and the fused linear layer op. */
import { Tensor } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { shapeMismatch } from '../shape.js';

/** a [..., m, k] · b [k, n] → [..., m, n] (leading dims of `a` are folded into m). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (b.ndim !== 2 || a.ndim < 2) throw shapeMismatch(`matmul needs a [...,m,k] and b [k,n], got [${a.shape}] and [${b.shape}]`);
  const k = a.shape[a.ndim - 1]!;
  const [kb, n] = b.shape as [number, number];
  if (k !== kb) throw shapeMismatch(`matmul inner dims differ: [${a.shape}] · [${b.shape}]`);
  const m = a.size / k;
  const out = new Float32Array(m * n); // [m, n]
  const K = kernels();
  K.gemm(false, false, m, n, k, a.data, b.data, out, false);
  return Tensor.fromOp(out, [...a.shape.slice(0, -1), n], [a, b], (g) => {
    if (a.requiresGrad) K.gemm(false, true, m, k, n, g, b.data, a.gradBuffer(), true); // gA [m,k] += g [m,n] · bᵀ
    if (b.requiresGrad) K.gemm(true, false, k, n, m, a.data, g, b.gradBuffer(), true); // gB [k,n] += aᵀ · g
  });
}

/**
 * y = x·Wᵀ + b with x [N, in], W [out, in] (PyTorch's layout), b [out] → [N, out].
 * Fused so a layer costs one GEMM forward and two backward, with no transposed copies.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [outF, inF] = w.shape as [number, number];
  if (w.ndim !== 2 || x.shape[x.ndim - 1] !== inF) throw shapeMismatch(`linear: input [${x.shape}] does not fit weight [${w.shape}]`);
  if (b && (b.ndim !== 1 || b.shape[0] !== outF)) throw shapeMismatch(`linear: bias [${b.shape}] does not fit weight [${w.shape}]`);
  const n = x.size / inF;
  const out = new Float32Array(n * outF); // [N, out]
  if (b) for (let i = 0; i < n; i++) out.set(b.data, i * outF);
  const K = kernels();
  K.gemm(false, true, n, outF, inF, x.data, w.data, out, b !== null);
  const parents = b ? [x, w, b] : [x, w];
  return Tensor.fromOp(out, [...x.shape.slice(0, -1), outF], parents, (g) => {
    if (x.requiresGrad) K.gemm(false, false, n, inF, outF, g, w.data, x.gradBuffer(), true); // gx [N,in] += g · W
    if (w.requiresGrad) K.gemm(true, false, outF, inF, n, g, x.data, w.gradBuffer(), true); // gW [out,in] += gᵀ · x
    if (b && b.requiresGrad) {
      const gb = b.gradBuffer();
      for (let i = 0; i < n; i++) for (let j = 0; j < outF; j++) gb[j]! += g[i * outF + j]!;
    }
  });
}
