/**
 * A k-d tree for exact nearest-neighbour search in low dimensions (where it beats brute force):
 * nodes split at the median of their widest dimension, each node keeps its bounding box, and a
 * query descends nearest-child first, pruning boxes farther than the current k-th neighbour.
 */
import { invalidArgument } from '../core/errors.js';
import { type Matrix } from './matrix.js';
import { type Neighbors } from './distance.js';

interface Node {
  start: number;
  end: number;
  lo: Float32Array;
  hi: Float32Array;
  left: Node | null;
  right: Node | null;
}

export class KDTree {
  private readonly idx: Int32Array;
  private readonly root: Node;

  constructor(
    private readonly data: Matrix,
    private readonly metric: 'euclidean' | 'manhattan' = 'euclidean',
    private readonly leafSize = 30,
  ) {
    if (!Number.isInteger(leafSize) || leafSize < 1) throw invalidArgument(`leafSize must be a positive integer, got ${leafSize}`);
    this.idx = new Int32Array(data.rows);
    for (let i = 0; i < data.rows; i++) this.idx[i] = i;
    this.root = this.build(0, data.rows);
  }

  private build(start: number, end: number): Node {
    const { data, cols } = this.data;
    const lo = new Float32Array(cols).fill(Infinity);
    const hi = new Float32Array(cols).fill(-Infinity);
    for (let r = start; r < end; r++) {
      const o = (this.idx[r] as number) * cols;
      for (let j = 0; j < cols; j++) {
        const v = data[o + j] as number;
        if (v < (lo[j] as number)) lo[j] = v;
        if (v > (hi[j] as number)) hi[j] = v;
      }
    }
    const node: Node = { start, end, lo, hi, left: null, right: null };
    if (end - start <= this.leafSize) return node;
    let dim = 0;
    for (let j = 1; j < cols; j++) if ((hi[j] as number) - (lo[j] as number) > (hi[dim] as number) - (lo[dim] as number)) dim = j;
    if ((hi[dim] as number) === (lo[dim] as number)) return node; // all points identical
    const part = Array.from(this.idx.subarray(start, end)).sort((a, b) => (data[a * cols + dim] as number) - (data[b * cols + dim] as number) || a - b);
    this.idx.set(part, start);
    const mid = start + ((end - start) >> 1);
    node.left = this.build(start, mid);
    node.right = this.build(mid, end);
    return node;
  }

  private boxDist(q: Float32Array, qo: number, n: Node): number {
    let s = 0;
    for (let j = 0; j < this.data.cols; j++) {
      const v = q[qo + j] as number;
      const g = v < (n.lo[j] as number) ? (n.lo[j] as number) - v : v > (n.hi[j] as number) ? v - (n.hi[j] as number) : 0;
      s += this.metric === 'euclidean' ? g * g : g;
    }
    return s;
  }

  /** k nearest rows per query row; ties prefer the lower row index (stable, like brute force). */
  query(q: Matrix, k: number): Neighbors {
    const { data, cols, rows } = this.data;
    if (q.cols !== cols) throw invalidArgument(`query has ${q.cols} columns, the tree has ${cols}`);
    if (!Number.isInteger(k) || k < 1 || k > rows) throw invalidArgument(`k must be an integer in [1, ${rows}], got ${k}`);
    const bd = new Float32Array(q.rows * k);
    const bi = new Int32Array(q.rows * k);
    const dist = new Float64Array(k);
    const ids = new Int32Array(k);
    for (let i = 0; i < q.rows; i++) {
      dist.fill(Infinity);
      ids.fill(0x7fffffff);
      const qo = i * cols;
      const visit = (n: Node, boxD: number): void => {
        if (boxD > (dist[k - 1] as number)) return;
        if (!n.left || !n.right) {
          for (let r = n.start; r < n.end; r++) {
            const id = this.idx[r] as number;
            let s = 0;
            for (let j = 0; j < cols; j++) {
              const g = (q.data[qo + j] as number) - (data[id * cols + j] as number);
              s += this.metric === 'euclidean' ? g * g : Math.abs(g);
            }
            const worst = dist[k - 1] as number;
            if (s > worst || (s === worst && id > (ids[k - 1] as number))) continue;
            let p = k - 1;
            while (p > 0 && ((dist[p - 1] as number) > s || ((dist[p - 1] as number) === s && (ids[p - 1] as number) > id))) {
              dist[p] = dist[p - 1] as number;
              ids[p] = ids[p - 1] as number;
              p--;
            }
            dist[p] = s;
            ids[p] = id;
          }
          return;
        }
        const dl = this.boxDist(q.data, qo, n.left);
        const dr = this.boxDist(q.data, qo, n.right);
        if (dl <= dr) {
          visit(n.left, dl);
          visit(n.right, dr);
        } else {
          visit(n.right, dr);
          visit(n.left, dl);
        }
      };
      visit(this.root, this.boxDist(q.data, qo, this.root));
      for (let r = 0; r < k; r++) {
        bd[i * k + r] = this.metric === 'euclidean' ? Math.sqrt(dist[r] as number) : (dist[r] as number);
        bi[i * k + r] = ids[r] as number;
      }
    }
    return { indices: bi, distances: bd, k };
  }
}
