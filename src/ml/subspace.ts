/**
 * Top-k eigenpairs of a symmetric positive semi-definite matrix C [d, d] by randomized subspace
 * iteration (Halko, Martinsson & Tropp 2011, alg. 4.4 applied to C = XᵀX, then Rayleigh–Ritz):
 * Y = C·Ω, q times Y = C·orth(Y), then the eigenpairs of the small Qᵀ C Q. Every O(d²·l) product
 * goes through the GEMM kernel; only the l×l work (Cholesky, the small eigenproblem) is JS.
 * PCA uses it when d is too large for the O(d³) JS eigensolver to be cheap (1296 HOG features:
 * 28 s against well under a second here).
 */
import { type Rng } from '../core/rng.js';
import { kernels } from '../tensor/index.js';
import { symmetricEigen, type Eigen } from './eigen.js';
import { orthonormalizeColumns } from './linalg.js';

export interface SubspaceOptions {
  /** Extra columns beyond k (default max(16, k/4)): the subspace converges like (λ_{l+1}/λ_k)^iters. */
  oversample?: number;
  /** Multiplications by C after the first (default 6). */
  iters?: number;
  rng: Rng;
}

/**
 * Cholesky factor R (upper, [l, l] row-major, f64) of the Gram G = YᵀY, or null when G is not
 * numerically positive definite (Y's columns nearly dependent).
 */
function cholesky(G: Float64Array, l: number): Float64Array | null {
  const R = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    let s = G[i * l + i] as number;
    for (let p = 0; p < i; p++) s -= (R[p * l + i] as number) ** 2;
    if (!(s > 1e-10 * (G[i * l + i] as number)) || !(s > 0)) return null;
    const rii = Math.sqrt(s);
    R[i * l + i] = rii;
    for (let j = i + 1; j < l; j++) {
      let t = G[i * l + j] as number;
      for (let p = 0; p < i; p++) t -= (R[p * l + i] as number) * (R[p * l + j] as number);
      R[i * l + j] = t / rii;
    }
  }
  return R;
}

/** Inverse of the upper-triangular R [l, l], as float32 for the GEMM. */
function upperInverse(R: Float64Array, l: number): Float32Array {
  const inv = new Float64Array(l * l);
  for (let j = l - 1; j >= 0; j--) {
    inv[j * l + j] = 1 / (R[j * l + j] as number);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let p = i + 1; p <= j; p++) s += (R[i * l + p] as number) * (inv[p * l + j] as number);
      inv[i * l + j] = -s / (R[i * l + i] as number);
    }
  }
  return Float32Array.from(inv);
}

/**
 * Orthonormalise the columns of Y [d, l] in place: Cholesky QR twice (CholeskyQR2: the second pass
 * repairs what float32 lost in the first), each a GEMM for YᵀY and one for Y·R⁻¹. Columns are
 * scaled to unit norm first, which keeps the Gram well conditioned once the iteration has sorted
 * them by eigenvalue; if Cholesky still fails, modified Gram–Schmidt (slow, always works).
 */
export function orthonormalize(Y: Float32Array, d: number, l: number): void {
  const k = kernels();
  const G32 = new Float32Array(l * l);
  const tmp = new Float32Array(d * l);
  for (let pass = 0; pass < 2; pass++) {
    // Column norms in row order (Y is row-major: a column walk would stride l floats per step).
    const norm = new Float64Array(l);
    for (let i = 0; i < d; i++) for (let c = 0, o = i * l; c < l; c++) norm[c]! += (Y[o + c] as number) ** 2;
    for (let c = 0; c < l; c++) norm[c] = (norm[c] as number) > 0 ? 1 / Math.sqrt(norm[c] as number) : 0;
    for (let i = 0; i < d; i++) for (let c = 0, o = i * l; c < l; c++) Y[o + c]! *= norm[c] as number;
    k.gemm(true, false, l, l, d, Y, Y, G32, false); // [l, l] = YᵀY
    const G = Float64Array.from(G32);
    for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) G[i * l + j] = G[j * l + i] = 0.5 * ((G[i * l + j] as number) + (G[j * l + i] as number));
    const R = cholesky(G, l);
    if (!R) {
      orthonormalizeColumns(Y, d, l);
      return;
    }
    k.gemm(false, false, d, l, l, Y, upperInverse(R, l), tmp, false); // [d, l] = Y·R⁻¹
    Y.set(tmp);
  }
}

/** The k largest eigenpairs of the PSD matrix C [d, d] (float64): values descending, vectors as rows [k, d]. */
export function topEigen(C: Float64Array, d: number, k: number, o: SubspaceOptions): Eigen {
  const l = Math.min(d, k + (o.oversample ?? Math.max(16, Math.ceil(k / 4))));
  if (l >= d || d <= 64) {
    const full = symmetricEigen(C, d);
    return { values: full.values.subarray(0, k), vectors: full.vectors.subarray(0, k * d) };
  }
  const iters = o.iters ?? 6;
  const gemm = kernels().gemm;
  const C32 = Float32Array.from(C);
  const Q = new Float32Array(d * l); // [d, l]
  for (let i = 0; i < Q.length; i++) Q[i] = o.rng.normal();
  const Y = new Float32Array(d * l);
  orthonormalize(Q, d, l);
  for (let it = 0; it < iters; it++) {
    gemm(false, false, d, l, d, C32, Q, Y, false); // Y = C·Q
    Q.set(Y);
    orthonormalize(Q, d, l);
  }
  gemm(false, false, d, l, d, C32, Q, Y, false);
  const T32 = new Float32Array(l * l);
  gemm(true, false, l, l, d, Q, Y, T32, false); // Qᵀ C Q, [l, l]
  const T = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) T[i * l + j] = 0.5 * ((T32[i * l + j] as number) + (T32[j * l + i] as number));
  const small = symmetricEigen(T, l);
  // Ritz vectors: row c of the result is Q·u_c, i.e. U_kᵀ Qᵀ ([k, l]·[l, d]).
  const Uk = Float32Array.from(small.vectors.subarray(0, k * l));
  const V32 = new Float32Array(k * d);
  gemm(false, true, k, d, l, Uk, Q, V32, false);
  return { values: small.values.subarray(0, k), vectors: Float64Array.from(V32) };
}
