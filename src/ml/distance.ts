/**
 * Brute-force k-nearest-neighbour search with bounded memory. Euclidean and cosine distances go
 * through the active GEMM kernel as ‖a‖² − 2a·b + ‖b‖² on [queryBlock × baseBlock] tiles, so the
 * heavy work runs on the fastest backend; each query keeps a sorted top-k list across tiles.
 */
import { invalidArgument } from '../core/errors.js';
import { kernels } from '../tensor/index.js';
import { type Matrix } from './matrix.js';

export type Metric = 'euclidean' | 'cosine' | 'manhattan';
export const METRICS: readonly Metric[] = ['euclidean', 'cosine', 'manhattan'];

/** Neighbours of each query, nearest first: [nq, k] row-major. */
export interface Neighbors {
  indices: Int32Array;
  distances: Float32Array;
  k: number;
}

/** Rows of the searched set, fetched a block at a time (a Matrix, or decoded compact codes). */
export interface BlockSource {
  rows: number;
  cols: number;
  /** [end - start, cols] row-major; may be a view or a reused scratch buffer. */
  block(start: number, end: number): Float32Array;
  /** Squared L2 norm of every row, [rows]. Needed for euclidean. */
  sqNorms(): Float32Array;
}

export interface SearchOptions {
  /** Queries per GEMM tile. Default 512. */
  queryBlock?: number;
  /** Base rows per GEMM tile. Default 4096. Memory is queryBlock × baseBlock floats. */
  baseBlock?: number;
  /** Called after each query block with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export function checkMetric(metric: unknown): Metric {
  if (!METRICS.includes(metric as Metric)) throw invalidArgument(`metric must be one of ${METRICS.join(', ')}, got ${String(metric)}`);
  return metric as Metric;
}

/** Squared norms of each row. */
export function rowSqNorms(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = i * cols, e = j + cols; j < e; j++) s += (data[j] as number) ** 2;
    out[i] = s;
  }
  return out;
}

/** Rows scaled to unit L2 norm (zero rows stay zero, as sklearn's normalize). */
export function l2Normalize(m: Matrix): Matrix {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += (m.data[i * m.cols + j] as number) ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = (m.data[i * m.cols + j] as number) * inv;
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

export function matrixSource(m: Matrix): BlockSource {
  let norms: Float32Array | null = null;
  return {
    rows: m.rows,
    cols: m.cols,
    block: (s, e) => m.data.subarray(s * m.cols, e * m.cols),
    sqNorms: () => (norms ??= rowSqNorms(m.data, m.rows, m.cols)),
  };
}

/** Insert (d, j) into a sorted top-k list when strictly better than its worst (earlier index wins ties). */
function push(bd: Float32Array, bi: Int32Array, off: number, k: number, d: number, j: number): void {
  let p = off + k - 1;
  if (!(d < (bd[p] as number))) return;
  while (p > off && (bd[p - 1] as number) > d) {
    bd[p] = bd[p - 1] as number;
    bi[p] = bi[p - 1] as number;
    p--;
  }
  bd[p] = d;
  bi[p] = j;
}

/**
 * The k nearest rows of `base` for each query row. For euclidean the returned distances are true
 * L2 distances; cosine returns 1 − cos; manhattan the L1 distance.
 */
export function bruteKNeighbors(query: Matrix, base: BlockSource, k: number, metric: Metric, opts: SearchOptions = {}): Neighbors {
  if (query.cols !== base.cols) throw invalidArgument(`query has ${query.cols} columns, the base has ${base.cols}`);
  if (!Number.isInteger(k) || k < 1 || k > base.rows) throw invalidArgument(`k must be an integer in [1, ${base.rows}], got ${k}`);
  const nq = query.rows;
  const d = query.cols;
  const qb = Math.max(1, opts.queryBlock ?? 512);
  const bb = Math.max(1, opts.baseBlock ?? 4096);
  const bd = new Float32Array(nq * k).fill(Infinity);
  const bi = new Int32Array(nq * k).fill(-1);
  const q = metric === 'cosine' ? l2Normalize(query) : query;
  const norms = metric === 'euclidean' ? base.sqNorms() : null;
  const tile = new Float32Array(qb * bb); // [queryBlock, baseBlock]
  for (let q0 = 0; q0 < nq; q0 += qb) {
    const q1 = Math.min(nq, q0 + qb);
    const mq = q1 - q0;
    const qs = q.data.subarray(q0 * d, q1 * d); // [mq, d]
    for (let b0 = 0; b0 < base.rows; b0 += bb) {
      const b1 = Math.min(base.rows, b0 + bb);
      const mb = b1 - b0;
      let blk = base.block(b0, b1); // [mb, d]
      if (metric === 'manhattan') {
        manhattanTile(qs, blk, mq, mb, d, tile);
      } else {
        if (metric === 'cosine') blk = l2Normalize({ data: blk, rows: mb, cols: d }).data;
        kernels().gemm(false, true, mq, mb, d, qs, blk, tile, false);
      }
      for (let i = 0; i < mq; i++) {
        const off = (q0 + i) * k;
        const row = i * mb;
        for (let j = 0; j < mb; j++) {
          const t = tile[row + j] as number;
          // Rank by the query-independent part; the query's own norm is added at the end.
          const s = metric === 'euclidean' ? (norms![b0 + j] as number) - 2 * t : metric === 'cosine' ? 1 - t : t;
          if (s < (bd[off + k - 1] as number)) push(bd, bi, off, k, s, b0 + j);
        }
      }
    }
    opts.onProgress?.(q1, nq);
  }
  if (metric === 'euclidean') {
    for (let i = 0; i < nq; i++) {
      let qn = 0;
      for (let j = i * d; j < (i + 1) * d; j++) qn += (query.data[j] as number) ** 2;
      for (let r = i * k; r < (i + 1) * k; r++) bd[r] = Math.sqrt(Math.max(0, (bd[r] as number) + qn));
    }
  } else if (metric === 'cosine') {
    for (let r = 0; r < bd.length; r++) bd[r] = Math.max(0, bd[r] as number);
  }
  return { indices: bi, distances: bd, k };
}

function manhattanTile(q: Float32Array, b: Float32Array, mq: number, mb: number, d: number, out: Float32Array): void {
  for (let i = 0; i < mq; i++) {
    const qi = i * d;
    for (let j = 0; j < mb; j++) {
      const bj = j * d;
      let s = 0;
      for (let p = 0; p < d; p++) s += Math.abs((q[qi + p] as number) - (b[bj + p] as number));
      out[i * mb + j] = s;
    }
  }
}
