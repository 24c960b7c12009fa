/**
 * Dense helpers PCA needs on top of the GEMM kernel: centred products computed in row blocks
 * (so a 60k × d matrix is never copied), float64 accumulation across blocks, and a thin QR.
 */
import { kernels } from '../tensor/index.js';
import { type Matrix } from './matrix.js';

const BLOCK = 4096;

/** Column means of X in float64. */
export function columnMeans(X: Matrix): Float64Array {
  const { rows: n, cols: d, data } = X;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j] as number;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  return mean;
}

/** Rows r0..r1 of X minus the mean, into `out` [r1-r0, d]. */
export function centredBlock(X: Matrix, mean: Float64Array, r0: number, r1: number, out: Float32Array): Float32Array {
  const d = X.cols;
  for (let i = r0; i < r1; i++) for (let j = 0; j < d; j++) out[(i - r0) * d + j] = (X.data[i * d + j] as number) - (mean[j] as number);
  return out.subarray(0, (r1 - r0) * d);
}

/** (X − mean)ᵀ(X − mean), [d, d] in float64. */
export function centredGram(X: Matrix, mean: Float64Array): Float64Array {
  const { rows: n, cols: d } = X;
  const acc = new Float64Array(d * d);
  const tile = new Float32Array(d * d);
  const buf = new Float32Array(Math.min(BLOCK, n) * d);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    const blk = centredBlock(X, mean, r0, r1, buf); // [rows, d]
    kernels().gemm(true, false, d, d, r1 - r0, blk, blk, tile, false);
    for (let i = 0; i < d * d; i++) acc[i]! += tile[i] as number;
  }
  return acc;
}

/** (X − mean) · B where B is [d, m]: result [n, m]. */
export function centredTimes(X: Matrix, mean: Float64Array, B: Float32Array, m: number): Float32Array {
  const { rows: n, cols: d } = X;
  const out = new Float32Array(n * m);
  const buf = new Float32Array(Math.min(BLOCK, n) * d);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    const blk = centredBlock(X, mean, r0, r1, buf);
    kernels().gemm(false, false, r1 - r0, m, d, blk, B, out.subarray(r0 * m, r1 * m), false);
  }
  return out;
}

/** (X − mean)ᵀ · Q where Q is [n, m]: result [d, m], accumulated in float64 across blocks. */
export function centredTransposeTimes(X: Matrix, mean: Float64Array, Q: Float32Array, m: number): Float32Array {
  const { rows: n, cols: d } = X;
  const acc = new Float64Array(d * m);
  const tile = new Float32Array(d * m);
  const buf = new Float32Array(Math.min(BLOCK, n) * d);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    const blk = centredBlock(X, mean, r0, r1, buf);
    kernels().gemm(true, false, d, m, r1 - r0, blk, Q.subarray(r0 * m, r1 * m), tile, false);
    for (let i = 0; i < d * m; i++) acc[i]! += tile[i] as number;
  }
  return Float32Array.from(acc);
}

/** Orthonormalise the columns of A [n, m] in place (modified Gram-Schmidt, twice for stability). */
export function orthonormalizeColumns(A: Float32Array, n: number, m: number): void {
  const col = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) col[i] = A[i * m + j] as number;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (A[i * m + p] as number) * (col[i] as number);
        for (let i = 0; i < n; i++) col[i]! -= dot * (A[i * m + p] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) A[i * m + j] = norm > 1e-30 ? (col[i] as number) / norm : 0;
  }
}
