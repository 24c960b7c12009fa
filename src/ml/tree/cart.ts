/**
 * CART tree growing, exact like scikit-learn's depth-first BestSplitter: every split between two
 * consecutive distinct values present in a node is scored by the proxy impurity improvement, the
 * threshold is their midpoint. Hand-written for speed: features are pre-ranked once, so each node
 * scores a feature with a histogram over its distinct values instead of re-sorting its samples.
 */
import { type Matrix } from '../matrix.js';

export type Criterion = 'gini' | 'entropy' | 'squared_error';

export interface GrowOptions {
  criterion: Criterion;
  maxDepth: number; // Infinity = unlimited
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

/** The fitted tree as flat arrays indexed by node id (pre-order, left child first, like sklearn). */
export interface TreeArrays {
  feature: number[]; // -2 for leaves (sklearn's TREE_UNDEFINED)
  threshold: number[];
  left: number[]; // -1 for leaves
  right: number[];
  impurity: number[];
  nSamples: number[];
  /** Per node: class counts (classification) or [mean] (regression). */
  value: number[][];
  /** Unnormalised impurity decrease per feature. */
  importance: number[];
}

const EPS = 2.220446049250313e-16;
const FEATURE_THRESHOLD = 1e-7;

interface Ranked {
  rank: Array<Uint16Array | Int32Array>; // [d][n] index into vals[f]
  vals: Float32Array[]; // [d][distinct] sorted distinct values
}

function rankFeatures(X: Matrix): Ranked {
  const { data, rows: n, cols: d } = X;
  const rank: Array<Uint16Array | Int32Array> = [];
  const vals: Float32Array[] = [];
  const col = new Float32Array(n);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) col[i] = data[i * d + f] as number;
    const sorted = Float32Array.from(col).sort();
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i] as number;
    const distinct = sorted.slice(0, m);
    const r = m <= 65536 ? new Uint16Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let lo = 0;
      let hi = m - 1;
      const v = col[i] as number;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((distinct[mid] as number) < v) lo = mid + 1;
        else hi = mid;
      }
      r[i] = lo;
    }
    rank.push(r);
    vals.push(distinct);
  }
  return { rank, vals };
}

/**
 * Node statistics. Classification: width C (class counts). Regression: width 2 (count, sum).
 * `proxy` is sklearn's proxy improvement for one side; `impurity` the side's true impurity.
 */
interface Crit {
  width: number;
  proxy(s: Float64Array, off: number, n: number): number;
  impurity(s: Float64Array, off: number, n: number, sumSq: number): number;
}

function criterionFor(c: Criterion, C: number): Crit {
  if (c === 'squared_error') {
    return {
      width: 2,
      proxy: (s, o, n) => (s[o + 1] as number) ** 2 / n,
      impurity: (s, o, n, sumSq) => sumSq / n - ((s[o + 1] as number) / n) ** 2,
    };
  }
  if (c === 'gini') {
    const sq = (s: Float64Array, o: number): number => {
      let q = 0;
      for (let k = 0; k < C; k++) q += (s[o + k] as number) ** 2;
      return q;
    };
    return { width: C, proxy: (s, o, n) => sq(s, o) / n, impurity: (s, o, n) => 1 - sq(s, o) / (n * n) };
  }
  const ent = (s: Float64Array, o: number, n: number): number => {
    let e = 0;
    for (let k = 0; k < C; k++) {
      const v = s[o + k] as number;
      if (v > 0) e -= (v / n) * Math.log2(v / n);
    }
    return e;
  };
  return { width: C, proxy: (s, o, n) => -n * ent(s, o, n), impurity: ent };
}

/**
 * Grow a tree. `y` holds class indices in [0, C) (classification, C ≥ 1) or targets (regression,
 * C = 0).
 */
export function growTree(X: Matrix, y: ArrayLike<number>, C: number, o: GrowOptions): TreeArrays {
  const { rows: n, cols: d, data } = X;
  const crit = criterionFor(o.criterion, C);
  const W = crit.width;
  const regression = o.criterion === 'squared_error';
  const { rank, vals } = rankFeatures(X);
  const maxDistinct = vals.reduce((m, v) => Math.max(m, v.length), 1);
  const hist = new Float64Array(maxDistinct * W);
  const binCount = new Int32Array(maxDistinct);
  const touched = new Int32Array(maxDistinct);
  const left = new Float64Array(W);
  const right = new Float64Array(W);
  const total = new Float64Array(W);
  const samples = new Int32Array(n);
  for (let i = 0; i < n; i++) samples[i] = i;
  const t: TreeArrays = { feature: [], threshold: [], left: [], right: [], impurity: [], nSamples: [], value: [], importance: new Array<number>(d).fill(0) };

  const stats = (start: number, end: number): { sumSq: number } => {
    total.fill(0);
    let sumSq = 0;
    for (let r = start; r < end; r++) {
      const i = samples[r] as number;
      if (regression) {
        const v = y[i] as number;
        total[0]! += 1;
        total[1]! += v;
        sumSq += v * v;
      } else total[y[i] as number]! += 1;
    }
    return { sumSq };
  };

  const sideImpurity = (start: number, end: number): number => {
    const { sumSq } = stats(start, end);
    return crit.impurity(total, 0, end - start, sumSq);
  };

  // Best split of samples[start, end): returns [feature, threshold, improvement proxy] or null.
  const bestSplit = (start: number, end: number): { f: number; thr: number } | null => {
    const m = end - start;
    let bestProxy = -Infinity;
    let best: { f: number; thr: number } | null = null;
    for (let f = 0; f < d; f++) {
      const rk = rank[f] as Uint16Array | Int32Array;
      const vs = vals[f] as Float32Array;
      let nt = 0;
      for (let r = start; r < end; r++) {
        const i = samples[r] as number;
        const b = rk[i] as number;
        if (binCount[b] === 0) touched[nt++] = b;
        binCount[b]! += 1;
        if (regression) {
          hist[b * 2]! += 1;
          hist[b * 2 + 1]! += y[i] as number;
        } else hist[b * W + (y[i] as number)]! += 1;
      }
      // Visit the touched bins in value order: sort the short list, or sweep all bins when dense.
      let order: ArrayLike<number>;
      if (nt * Math.log2(nt + 1) < vs.length) order = touched.subarray(0, nt).sort();
      else {
        let k = 0;
        for (let b = 0; b < vs.length; b++) if ((binCount[b] as number) > 0) touched[k++] = b;
        order = touched.subarray(0, nt);
      }
      const lo = vs[order[0] as number] as number;
      const hi = vs[order[nt - 1] as number] as number;
      if (nt > 1 && hi > lo + FEATURE_THRESHOLD) {
        left.fill(0);
        for (let k = 0; k < W; k++) right[k] = total[k] as number;
        let nl = 0;
        for (let q = 0; q < nt - 1; q++) {
          const b = order[q] as number;
          const cnt = binCount[b] as number;
          nl += cnt;
          for (let k = 0; k < W; k++) {
            const v = hist[b * W + k] as number;
            left[k]! += v;
            right[k]! -= v;
          }
          const nb = order[q + 1] as number;
          if ((vs[nb] as number) <= (vs[b] as number) + FEATURE_THRESHOLD) continue;
          const nr = m - nl;
          if (nl < o.minSamplesLeaf || nr < o.minSamplesLeaf) continue;
          const proxy = crit.proxy(left, 0, nl) + crit.proxy(right, 0, nr);
          if (proxy > bestProxy) {
            bestProxy = proxy;
            const a = vs[b] as number;
            const c = vs[nb] as number;
            let thr = a / 2 + c / 2;
            if (thr === c || !Number.isFinite(thr)) thr = a;
            best = { f, thr };
          }
        }
      }
      for (let q = 0; q < nt; q++) {
        const b = touched[q] as number;
        binCount[b] = 0;
        hist.fill(0, b * W, (b + 1) * W);
      }
    }
    return best;
  };

  // Depth-first growth: an explicit stack, right pushed before left so ids come out in pre-order.
  interface Job {
    start: number;
    end: number;
    depth: number;
    parent: number;
    isLeft: boolean;
  }
  const stack: Job[] = [{ start: 0, end: n, depth: 0, parent: -1, isLeft: false }];
  while (stack.length > 0) {
    const job = stack.pop() as Job;
    const { start, end, depth } = job;
    const m = end - start;
    const { sumSq } = stats(start, end);
    const impurity = crit.impurity(total, 0, m, sumSq);
    const id = t.feature.length;
    t.feature.push(-2);
    t.threshold.push(-2);
    t.left.push(-1);
    t.right.push(-1);
    t.impurity.push(impurity);
    t.nSamples.push(m);
    t.value.push(regression ? [(total[1] as number) / m] : Array.from(total));
    if (job.parent >= 0) (job.isLeft ? t.left : t.right)[job.parent] = id;
    let leaf = depth >= o.maxDepth || m < o.minSamplesSplit || m < 2 * o.minSamplesLeaf || impurity <= EPS;
    const split = leaf ? null : bestSplit(start, end);
    if (!split) leaf = true;
    if (leaf || !split) continue;
    // Partition samples: X[f] <= thr to the left.
    let p = start;
    for (let r = start; r < end; r++) {
      const i = samples[r] as number;
      if ((data[i * d + split.f] as number) <= split.thr) {
        samples[r] = samples[p] as number;
        samples[p++] = i;
      }
    }
    const impL = sideImpurity(start, p);
    const impR = sideImpurity(p, end);
    t.importance[split.f]! += m * impurity - (p - start) * impL - (end - p) * impR;
    t.feature[id] = split.f;
    t.threshold[id] = split.thr;
    stack.push({ start: p, end, depth: depth + 1, parent: id, isLeft: false });
    stack.push({ start, end: p, depth: depth + 1, parent: id, isLeft: true });
  }
  return t;
}
