/**
 * Single-query scans over int8 codes for VectorIndex. The ranking value of code r for query q is
 *   s_r = ‖x̂_r‖² − 2(Σ_j w_j·c_rj + q·o),   w_j = q_j·s_j   (‖q − x̂_r‖² = s_r + ‖q‖²),
 * so a scan is an int8 × float dot product per code. `exactScan` does it in float64 (the
 * reference). `boundedScan` gets the same top-k faster: it rounds w to int16 (w ≈ α·w̃), runs the
 * integer dots in WebAssembly SIMD, bounds each code's error by |Σ (w_j − α·w̃_j)·c_rj| ≤ δ·‖c_r‖₁
 * (δ = max_j |w_j − α·w̃_j|), keeps every code whose lower bound is within the k-th smallest
 * upper bound, and reranks that shortlist with the exact formula. Every code of the exact top-k
 * has its lower bound at most that k-th upper bound, so it is always in the shortlist, and the
 * rerank uses the reference's arithmetic: results (ties included) are the exact scan's.
 */
import { type Quantizer } from './quantizer.js';

export interface CodeSet {
  codes: Int8Array;
  count: number;
  dims: number;
  /** ‖x̂_r‖² per code. */
  norms: Float32Array;
  /** Σ_j |c_rj| per code (exact integers). */
  l1: Float32Array;
  /** max_r ‖x̂_r‖², when the caller keeps it (else computed per call). */
  maxNorm?: number;
  quantizer: Quantizer;
}

/** Integer dots of int16 weights [dims] with every code: [count] i32, or null when unavailable. */
export type IntDots = (w: Int16Array) => Int32Array | null;

export interface ScanResult {
  indices: Int32Array;
  distances: Float32Array;
}

/** Per-query weights w = q∘scale (float32, as the reference always used), ‖q‖² and q·offset. */
function queryTerms(set: CodeSet, q: Float32Array, w: Float32Array): { qn: number; qo: number } {
  const { scale, offset } = set.quantizer;
  let qn = 0;
  let qo = 0;
  for (let j = 0; j < set.dims; j++) {
    const v = q[j] as number;
    w[j] = v * (scale[j] as number);
    qn += v * v;
    qo += v * (offset[j] as number);
  }
  return { qn, qo };
}

/** The reference's ranking value of code r, in its exact arithmetic (float64, j ascending). */
function exactValue(set: CodeSet, w: Float32Array, qo: number, r: number): number {
  const d = set.dims;
  const codes = set.codes;
  let dot = 0;
  const base = r * d;
  for (let j = 0; j < d; j++) dot += (w[j] as number) * (codes[base + j] as number);
  return (set.norms[r] as number) - 2 * (dot + qo);
}

/** Insert (s, r) into the sorted top-k (bd, bi) when strictly better than its worst; earlier r wins ties. */
function insert(bd: Float64Array, bi: Int32Array, k: number, s: number, r: number): void {
  if (!(s < (bd[k - 1] as number))) return;
  let p = k - 1;
  while (p > 0 && (bd[p - 1] as number) > s) {
    bd[p] = bd[p - 1] as number;
    bi[p] = bi[p - 1] as number;
    p--;
  }
  bd[p] = s;
  bi[p] = r;
}

function emit(out: ScanResult, q: number, k: number, bd: Float64Array, bi: Int32Array, qn: number): void {
  for (let r = 0; r < k; r++) {
    out.indices[q * k + r] = bi[r] as number;
    out.distances[q * k + r] = Math.sqrt(Math.max(0, (bd[r] as number) + qn));
  }
}

/** Exact top-k of nq queries [nq, dims] by the float64 formula over every code. */
export function exactScan(set: CodeSet, queries: Float32Array, nq: number, k: number): ScanResult {
  const d = set.dims;
  const out = { indices: new Int32Array(nq * k), distances: new Float32Array(nq * k) };
  const w = new Float32Array(d);
  const bd = new Float64Array(k);
  const bi = new Int32Array(k);
  for (let q = 0; q < nq; q++) {
    const { qn, qo } = queryTerms(set, queries.subarray(q * d, (q + 1) * d), w);
    bd.fill(Infinity);
    for (let r = 0; r < set.count; r++) insert(bd, bi, k, exactValue(set, w, qo, r), r);
    emit(out, q, k, bd, bi, qn);
  }
  return out;
}

/** JS form of the wasm kernel (assembly/codes.ts codesDotI16): tests, and a reference for it. */
export function jsIntDots(set: CodeSet): IntDots {
  const out = new Int32Array(set.count);
  return (w) => {
    const d = set.dims;
    for (let r = 0; r < set.count; r++) {
      let s = 0;
      for (let j = 0, b = r * d; j < d; j++) s += (w[j] as number) * (set.codes[b + j] as number);
      out[r] = s;
    }
    return out;
  };
}

/** Counters of the last boundedScan (tests and benchmarks: how much the rerank had to look at). */
export const scanStats = { shortlisted: 0, queries: 0 };

/**
 * The exact scan's top-k through integer dots and a bounded shortlist (see the file comment).
 * `maxWeight` bounds |w̃| so the integer sums cannot overflow (maxCodeWeight). Returns null when
 * `dots` does.
 */
export function boundedScan(set: CodeSet, queries: Float32Array, nq: number, k: number, dots: IntDots, maxWeight: number): ScanResult | null {
  const d = set.dims;
  const n = set.count;
  const out = { indices: new Int32Array(nq * k), distances: new Float32Array(nq * k) };
  const w = new Float32Array(d);
  const w16 = new Int16Array(d);
  const bd = new Float64Array(k);
  const bi = new Int32Array(k);
  const maxNorm = set.maxNorm ?? set.norms.subarray(0, n).reduce((m, v) => Math.max(m, v), 0);
  const cand: number[] = [];
  const candLow: number[] = [];
  scanStats.shortlisted = 0;
  scanStats.queries = nq;
  for (let q = 0; q < nq; q++) {
    const { qn, qo } = queryTerms(set, queries.subarray(q * d, (q + 1) * d), w);
    let wmax = 0;
    for (let j = 0; j < d; j++) wmax = Math.max(wmax, Math.abs(w[j] as number));
    const alpha = wmax > 0 ? wmax / maxWeight : 0;
    let delta = 0;
    for (let j = 0; j < d; j++) {
      const t = alpha > 0 ? Math.round((w[j] as number) / alpha) : 0;
      w16[j] = t;
      delta = Math.max(delta, Math.abs((w[j] as number) - alpha * t));
    }
    const dot = dots(w16);
    if (!dot) return null;
    // |s_r − approx_r| ≤ a·‖c_r‖₁ + b: the weight rounding (2δ per unit of ‖c‖₁) plus a margin far
    // above float64 rounding (≈ 1e-16 relative) of every term the two formulas add.
    const a = 2 * delta * (1 + 1e-9) + 1e-12 * wmax;
    const b = 1e-12 * (maxNorm + 2 * Math.abs(qo) + 2 * 127 * d * wmax);
    const twoAlpha = 2 * alpha;
    const l1 = set.l1;
    const norms = set.norms;
    // One pass: approximate values (the constant −2q·o left out), the k-th smallest upper bound so
    // far (`worst`, which only falls), and every code whose lower bound is within it then: a
    // superset of those within the final one.
    bd.fill(Infinity);
    let worst = Infinity;
    cand.length = 0;
    candLow.length = 0;
    for (let r = 0; r < n; r++) {
      const s = (norms[r] as number) - twoAlpha * (dot[r] as number);
      const e = a * (l1[r] as number);
      if (s + e < worst) {
        insert(bd, bi, k, s + e, r);
        worst = bd[k - 1] as number;
      }
      if (s - e - b <= worst + b) {
        cand.push(r);
        candLow.push(s - e - b);
      }
    }
    const limit = worst + b;
    // Rerank, exactly and in index order, every code whose lower bound can reach the top-k.
    bd.fill(Infinity);
    for (let c = 0; c < cand.length; c++) {
      if ((candLow[c] as number) <= limit) {
        const r = cand[c] as number;
        scanStats.shortlisted++;
        insert(bd, bi, k, exactValue(set, w, qo, r), r);
      }
    }
    emit(out, q, k, bd, bi, qn);
  }
  return out;
}
