/**
 * Symmetric eigendecomposition: Householder reduction to tridiagonal form, then implicit QL
 * (the EISPACK tred2/tql2 pair, as in JAMA). Hand-written because PCA needs it and no dependency
 * of ours has one; O(d³) in float64, fine for the few-thousand-dimension covariances PCA forms.
 */
import { invalidArgument } from '../core/errors.js';

export interface Eigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows [d, d], row i belongs to values[i]. */
  vectors: Float64Array;
}

/** Eigen-decompose the symmetric [n, n] matrix A (row-major; only symmetry is assumed, not checked). */
export function symmetricEigen(A: Float64Array, n: number): Eigen {
  if (A.length !== n * n) throw invalidArgument(`symmetricEigen: ${A.length} values cannot be [${n}, ${n}]`);
  const V = Float64Array.from(A); // V[i*n+j]
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n);
  // tql2 rotates columns of V; work on the transpose so each rotation touches two contiguous rows.
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[j * n + i] = V[i * n + j] as number;
  tql2(W, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (d[b] as number) - (d[a] as number));
  const values = Float64Array.from(order, (i) => d[i] as number);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => vectors.set(W.subarray(src * n, (src + 1) * n), dst * n));
  return { values, vectors };
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j] as number;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += (d[k] as number) ** 2;
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        V[j * n + i] = f;
        g = (e[j] as number) + (V[j * n + j] as number) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += (V[k * n + j] as number) * (d[k] as number);
          e[k]! += (V[k * n + j] as number) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k <= i - 1; k++) V[k * n + j]! -= f * (e[k] as number) + g * (d[k] as number);
        d[j] = V[(i - 1) * n + j] as number;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i] as number;
    V[i * n + i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (V[k * n + i + 1] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (V[k * n + i + 1] as number) * (V[k * n + j] as number);
        for (let k = 0; k <= i; k++) V[k * n + j]! -= g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j] as number;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); W holds eigenvectors as rows (W = Vᵀ). */
function tql2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n && Math.abs(e[m] as number) > eps * tst1) m++;
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) break;
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          const a = i * n;
          const b = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const wh = W[b + k] as number;
            const wi = W[a + k] as number;
            W[b + k] = s * wi + c * wh;
            W[a + k] = c * wi - s * wh;
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l]! += f;
    e[l] = 0;
  }
}
