/**
 * Plain Lloyd iterations (the reference KMeans is checked against) and sklearn's relocation of
 * empty clusters, shared with the bounded variant in kmeans-hamerly.ts.
 */
import { type Matrix } from './matrix.js';
import { assignNearest } from './kmeans-core.js';

/** What one k-means run returns. */
export interface LloydResult {
  centers: Float32Array;
  labels: Int32Array;
  inertia: number;
  iter: number;
}

/** Empty clusters take the points farthest from their current centres (sklearn's relocation). */
export function relocateEmpty(X: Matrix, counts: Float64Array, sums: Float64Array, labels: Int32Array, dist2: Float64Array, k: number): void {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return;
  const d = X.cols;
  const far = Array.from(dist2.keys()).sort((a, b) => (dist2[b] as number) - (dist2[a] as number)).slice(0, empty.length);
  empty.forEach((c, e) => {
    const i = far[e] as number;
    const old = labels[i] as number;
    for (let j = 0; j < d; j++) {
      const v = X.data[i * d + j] as number;
      sums[old * d + j]! -= v;
      sums[c * d + j] = v;
    }
    counts[old]! -= 1;
    counts[c] = 1;
    labels[i] = c;
  });
}

/** One Lloyd run from `centers`; returns final centres, labels, inertia and iterations. */
export function lloyd(X: Matrix, xNorms: Float32Array, init: Float32Array, k: number, maxIter: number, tol: number): LloydResult {
  const { rows: n, cols: d } = X;
  let centers = Float32Array.from(init);
  const labels = new Int32Array(n);
  const old = new Int32Array(n).fill(-1);
  const dist2 = new Float64Array(n);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    assignNearest(X, xNorms, centers, k, labels, dist2);
    const counts = new Float64Array(k);
    const sums = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      const c = labels[i] as number;
      counts[c]! += 1;
      for (let j = 0; j < d; j++) sums[c * d + j]! += X.data[i * d + j] as number;
    }
    relocateEmpty(X, counts, sums, labels, dist2, k);
    const next = new Float32Array(k * d);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const v = (counts[c] as number) > 0 ? (sums[c * d + j] as number) / (counts[c] as number) : (centers[c * d + j] as number);
        next[c * d + j] = v;
        shift += (v - (centers[c * d + j] as number)) ** 2;
      }
    }
    centers = next;
    if (labels.every((v, i) => v === old[i])) {
      iter++;
      break;
    }
    if (shift <= tol) {
      iter++;
      break;
    }
    old.set(labels);
  }
  // Final E-step so labels match the returned centres (sklearn does it unless labels were stable,
  // in which case it changes nothing).
  assignNearest(X, xNorms, centers, k, labels, dist2);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2[i] as number;
  return { centers, labels, inertia, iter };
}
