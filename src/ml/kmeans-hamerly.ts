/**
 * Lloyd's k-means with Hamerly's bounds (Hamerly 2010, "Making k-means even faster"): each point
 * keeps an upper bound on the distance to its centre and a lower bound on the distance to every
 * other centre; a point is re-examined only when the bounds, moved by how far the centres moved,
 * can no longer prove its label. Re-examined points are gathered and measured against all centres
 * with one GEMM per block (‖x‖² − 2x·c + ‖c‖², as Lloyd's assignNearest, same tie-break), and the
 * centre sums follow the label changes instead of being rebuilt. The same fixed point and labels as
 * plain Lloyd; the work after the first iterations is the few points near a boundary.
 */
import { kernels } from '../tensor/index.js';
import { type Matrix } from './matrix.js';
import { assignNearest, rowSqNorms } from './kmeans-core.js';
import { relocateEmpty, type LloydResult } from './kmeans-lloyd.js';

const BLOCK = 1024;

/** Points measured against all centres in the last run, and that run's point-iterations (tests, benchmarks). */
export const hamerlyStats = { measured: 0, pointIterations: 0 };

/** Per-point state: label, upper bound u (to its centre), lower bound l (to any other). */
interface Bounds {
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
}

/**
 * Measure the rows `idx[0..count)` against all centres; set labels and both bounds. Bounds are
 * widened by `slack` (squared units) so float32 rounding in the GEMM cannot make them lie.
 * Returns how many labels changed, and updates counts/sums for each change.
 */
function measure(
  X: Matrix,
  xNorms: Float32Array,
  centers: Float32Array,
  cNorms: Float32Array,
  k: number,
  idx: Int32Array,
  count: number,
  b: Bounds,
  counts: Float64Array,
  sums: Float64Array,
  buf: Float32Array,
  tile: Float32Array,
): number {
  const d = X.cols;
  const data = X.data;
  let changed = 0;
  for (let s0 = 0; s0 < count; s0 += BLOCK) {
    const s1 = Math.min(count, s0 + BLOCK);
    const m = s1 - s0;
    for (let r = 0; r < m; r++) {
      const i = idx[s0 + r] as number;
      buf.set(data.subarray(i * d, (i + 1) * d), r * d);
    }
    kernels().gemm(false, true, m, k, d, buf.subarray(0, m * d), centers, tile, false);
    for (let r = 0; r < m; r++) {
      const i = idx[s0 + r] as number;
      const row = r * k;
      let best = 0;
      let bestS = Infinity;
      let secondS = Infinity;
      for (let c = 0; c < k; c++) {
        const s = (cNorms[c] as number) - 2 * (tile[row + c] as number);
        if (s < bestS) {
          secondS = bestS;
          bestS = s;
          best = c;
        } else if (s < secondS) secondS = s;
      }
      const xn = xNorms[i] as number;
      const slack = 1e-5 * (xn + (cNorms[best] as number)) + 1e-12;
      b.upper[i] = Math.sqrt(Math.max(0, bestS + xn) + slack);
      b.lower[i] = Math.sqrt(Math.max(0, secondS + xn - slack));
      const old = b.labels[i] as number;
      if (old !== best) {
        changed++;
        b.labels[i] = best;
        const base = i * d;
        if (old >= 0) {
          counts[old]! -= 1;
          for (let j = 0; j < d; j++) sums[old * d + j]! -= data[base + j] as number;
        }
        counts[best]! += 1;
        for (let j = 0; j < d; j++) sums[best * d + j]! += data[base + j] as number;
      }
    }
  }
  return changed;
}

/** Half the distance from each centre to its nearest other centre. */
function halfGaps(centers: Float32Array, k: number, d: number): Float64Array {
  const s = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let c = a + 1; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += ((centers[a * d + j] as number) - (centers[c * d + j] as number)) ** 2;
      const h = 0.5 * Math.sqrt(acc);
      if (h < (s[a] as number)) s[a] = h;
      if (h < (s[c] as number)) s[c] = h;
    }
  }
  return s;
}

/** One run of Lloyd's iterations from `init`, with Hamerly's bounds; returns what `lloyd` returns. */
export function hamerly(X: Matrix, xNorms: Float32Array, init: Float32Array, k: number, maxIter: number, tol: number): LloydResult {
  const { rows: n, cols: d } = X;
  let centers = Float32Array.from(init);
  const b: Bounds = { labels: new Int32Array(n).fill(-1), upper: new Float64Array(n), lower: new Float64Array(n) };
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);
  const idx = new Int32Array(n);
  const buf = new Float32Array(Math.min(BLOCK, n) * d);
  const tile = new Float32Array(Math.min(BLOCK, n) * k);
  let iter = 0;
  let fresh = true; // every point needs measuring (first iteration, or after a relocation)
  hamerlyStats.measured = 0;
  hamerlyStats.pointIterations = 0;
  for (; iter < maxIter; iter++) {
    const cNorms = rowSqNorms(centers, k, d);
    let count = 0;
    if (fresh) {
      for (let i = 0; i < n; i++) idx[i] = i;
      count = n;
    } else {
      const s = halfGaps(centers, k, d);
      for (let i = 0; i < n; i++) {
        const m = Math.max(s[b.labels[i] as number] as number, b.lower[i] as number);
        if ((b.upper[i] as number) > m) idx[count++] = i;
      }
    }
    hamerlyStats.measured += count;
    hamerlyStats.pointIterations += n;
    const changed = measure(X, xNorms, centers, cNorms, k, idx, count, b, counts, sums, buf, tile);
    fresh = false;
    if (counts.some((c) => c === 0)) {
      // An empty cluster: sklearn's relocation needs every point's distance, as in plain Lloyd.
      const dist2 = new Float64Array(n);
      assignNearest(X, xNorms, centers, k, b.labels, dist2);
      counts.fill(0);
      sums.fill(0);
      for (let i = 0; i < n; i++) {
        const c = b.labels[i] as number;
        counts[c]! += 1;
        for (let j = 0; j < d; j++) sums[c * d + j]! += X.data[i * d + j] as number;
      }
      relocateEmpty(X, counts, sums, b.labels, dist2, k);
      fresh = true;
    }
    const next = new Float32Array(k * d);
    const move = new Float64Array(k);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      let mc = 0;
      for (let j = 0; j < d; j++) {
        const v = (counts[c] as number) > 0 ? (sums[c * d + j] as number) / (counts[c] as number) : (centers[c * d + j] as number);
        next[c * d + j] = v;
        const dv = (next[c * d + j] as number) - (centers[c * d + j] as number);
        mc += dv * dv;
        shift += (v - (centers[c * d + j] as number)) ** 2;
      }
      move[c] = Math.sqrt(mc);
    }
    centers = next;
    if (iter > 0 && changed === 0) {
      iter++;
      break;
    }
    if (shift <= tol) {
      iter++;
      break;
    }
    if (fresh) {
      // Labels were rebuilt by relocation: measure everyone against the new centres next time.
      b.labels.fill(-1);
      counts.fill(0);
      sums.fill(0);
      continue;
    }
    // Centres moved: the upper bound grows by its centre's move, the lower bound shrinks by the
    // largest move of any other centre.
    let m1 = 0;
    let m2 = 0;
    let a1 = -1;
    for (let c = 0; c < k; c++) {
      const v = move[c] as number;
      if (v > m1) {
        m2 = m1;
        m1 = v;
        a1 = c;
      } else if (v > m2) m2 = v;
    }
    for (let i = 0; i < n; i++) {
      const a = b.labels[i] as number;
      b.upper[i]! += move[a] as number;
      b.lower[i]! -= a === a1 ? m2 : m1;
    }
  }
  const labels = new Int32Array(n);
  const dist2 = new Float64Array(n);
  assignNearest(X, xNorms, centers, k, labels, dist2);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2[i] as number;
  return { centers, labels, inertia, iter };
}
