/**
 * The shared K-means kernels: nearest-centre assignment through the GEMM kernel in row blocks,
 * and scikit-learn's greedy k-means++ seeding (several candidates per step, keep the one that
 * lowers the potential most).
 */
import { type Rng } from '../core/rng.js';
import { kernels } from '../tensor/index.js';
import { type Matrix } from './matrix.js';
import { rowSqNorms } from './distance.js';

/** Labels and squared distances to the nearest of `centers` [k, d] for every row of X. */
export function assignNearest(
  X: Matrix,
  xNorms: Float32Array,
  centers: Float32Array,
  k: number,
  labels: Int32Array,
  dist2: Float64Array,
  block = 1024,
): void {
  const { rows: n, cols: d } = X;
  const cNorms = rowSqNorms(centers, k, d);
  const tile = new Float32Array(Math.min(block, n) * k); // [block, k]
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    kernels().gemm(false, true, r1 - r0, k, d, X.data.subarray(r0 * d, r1 * d), centers, tile, false);
    for (let i = r0; i < r1; i++) {
      const row = (i - r0) * k;
      let best = 0;
      let bestS = Infinity;
      for (let c = 0; c < k; c++) {
        const s = (cNorms[c] as number) - 2 * (tile[row + c] as number);
        if (s < bestS) {
          bestS = s;
          best = c;
        }
      }
      labels[i] = best;
      dist2[i] = Math.max(0, bestS + (xNorms[i] as number));
    }
  }
}

/**
 * Squared distances from each of the t rows `cs` [t, d] to every row of X, into out [t][n]: one
 * GEMM for all t (X crosses into the kernel once, not t times). Each value is the same as one row
 * at a time would give: the GEMM's dot for an element does not depend on its neighbours.
 */
function distToRows(X: Matrix, xNorms: Float32Array, cs: Float32Array, t: number, out: Float64Array[]): void {
  const { rows: n, cols: d } = X;
  const dots = new Float32Array(n * t); // [n, t]
  kernels().gemm(false, true, n, t, d, X.data, cs, dots, false);
  for (let c = 0; c < t; c++) {
    let cn = 0;
    for (let j = c * d; j < (c + 1) * d; j++) cn += (cs[j] as number) ** 2;
    const o = out[c] as Float64Array;
    for (let i = 0; i < n; i++) o[i] = Math.max(0, (xNorms[i] as number) - 2 * (dots[i * t + c] as number) + cn);
  }
}

/** Greedy k-means++ (sklearn's _kmeans_plusplus): 2 + ⌊ln k⌋ candidates per new centre. */
export function kmeansPlusPlus(X: Matrix, xNorms: Float32Array, k: number, rng: Rng): Float32Array {
  const { rows: n, cols: d } = X;
  const centers = new Float32Array(k * d); // [k, d]
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centers.set(X.data.subarray(first * d, (first + 1) * d), 0);
  let closest: Float64Array = new Float64Array(n);
  distToRows(X, xNorms, centers.subarray(0, d), 1, [closest]);
  let pot = closest.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(n);
  const cand = Array.from({ length: trials }, () => new Float64Array(n));
  const rows = new Float32Array(trials * d);
  const ids = new Int32Array(trials);
  for (let c = 1; c < k; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) cum[i] = s += closest[i] as number;
    // All candidates are drawn before any distance is measured (as sklearn), so one GEMM serves them.
    for (let t = 0; t < trials; t++) {
      const r = rng.next() * pot;
      // searchsorted (left): first i with cum[i] >= r.
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cum[mid] as number) < r) lo = mid + 1;
        else hi = mid;
      }
      ids[t] = lo;
      rows.set(X.data.subarray(lo * d, (lo + 1) * d), t * d);
    }
    distToRows(X, xNorms, rows, trials, cand);
    let bestPot = Infinity;
    let bestT = 0;
    for (let t = 0; t < trials; t++) {
      const ct = cand[t] as Float64Array;
      let p = 0;
      for (let i = 0; i < n; i++) {
        if ((ct[i] as number) > (closest[i] as number)) ct[i] = closest[i] as number;
        p += ct[i] as number;
      }
      if (p < bestPot) {
        bestPot = p;
        bestT = t;
      }
    }
    pot = bestPot;
    closest = Float64Array.from(cand[bestT] as Float64Array);
    const bestId = ids[bestT] as number;
    centers.set(X.data.subarray(bestId * d, (bestId + 1) * d), c * d);
  }
  return centers;
}

/** sklearn's tolerance scale: mean per-feature variance of X. */
export function meanVariance(X: Matrix): number {
  const { rows: n, cols: d, data } = X;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j] as number;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  let v = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v += ((data[i * d + j] as number) - (mean[j] as number)) ** 2;
  return v / n / d;
}

export { rowSqNorms };
