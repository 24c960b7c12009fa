/**
 * k-nearest-neighbour classifier and regressor (sklearn's KNeighborsClassifier/Regressor):
 * uniform or 1/distance weights, euclidean/cosine/manhattan, brute force over blocked GEMM or a
 * k-d tree for low dimensions. Vote ties go to the smallest class label, as sklearn's mode does.
 */
import { invalidArgument } from '../core/errors.js';
import { type Matrix, type MatrixLike, type Labels, toMatrix, toLabels, encodeClasses, checkCols, notFitted, checkKind } from './matrix.js';
import { bruteKNeighbors, checkMetric, matrixSource, type Metric, type Neighbors, type SearchOptions } from './distance.js';
import { KDTree } from './kd-tree.js';
import { f32ToB64, b64ToF32, f64ToB64, b64ToF64, num, numArray } from './serialize.js';

export interface KNNOptions {
  /** Neighbours per query. Default 5. */
  k?: number;
  /** 'uniform' (default) or 'distance' (1/d; exact matches take all the weight). */
  weights?: 'uniform' | 'distance';
  /** Default 'euclidean'. */
  metric?: Metric;
  /** 'auto' (default: k-d tree when d ≤ 15 and metric ≠ cosine), 'brute' or 'kd_tree'. */
  algorithm?: 'auto' | 'brute' | 'kd_tree';
  /** k-d tree leaf size. Default 30. */
  leafSize?: number;
  /** Tiling of the brute-force search. */
  search?: SearchOptions;
}

abstract class KNNBase {
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  readonly metric: Metric;
  readonly algorithm: 'auto' | 'brute' | 'kd_tree';
  readonly leafSize: number;
  protected search: SearchOptions;
  protected X: Matrix | null = null;
  private tree: KDTree | null = null;

  constructor(o: KNNOptions = {}) {
    this.k = o.k ?? 5;
    this.weights = o.weights ?? 'uniform';
    this.metric = checkMetric(o.metric ?? 'euclidean');
    this.algorithm = o.algorithm ?? 'auto';
    this.leafSize = o.leafSize ?? 30;
    this.search = o.search ?? {};
    if (!Number.isInteger(this.k) || this.k < 1) throw invalidArgument(`k must be a positive integer, got ${this.k}`);
    if (this.weights !== 'uniform' && this.weights !== 'distance') throw invalidArgument(`weights must be 'uniform' or 'distance'`);
    if (!['auto', 'brute', 'kd_tree'].includes(this.algorithm)) throw invalidArgument(`algorithm must be auto, brute or kd_tree`);
    if (this.algorithm === 'kd_tree' && this.metric === 'cosine') throw invalidArgument('the k-d tree does not support the cosine metric');
  }

  protected params(): Required<Omit<KNNOptions, 'search'>> {
    return { k: this.k, weights: this.weights, metric: this.metric, algorithm: this.algorithm, leafSize: this.leafSize };
  }

  protected fitX(X: MatrixLike): Matrix {
    const m = toMatrix(X);
    if (this.k > m.rows) throw invalidArgument(`k=${this.k} is larger than the ${m.rows} training rows`);
    // Copy, so later changes to the caller's array do not change the model.
    this.X = { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
    const useTree = this.algorithm === 'kd_tree' || (this.algorithm === 'auto' && m.cols <= 15 && this.metric !== 'cosine');
    this.tree = useTree ? new KDTree(this.X, this.metric as 'euclidean' | 'manhattan', this.leafSize) : null;
    return m;
  }

  /** Nearest training rows of each query: indices and distances [n, k], nearest first. */
  kneighbors(X: MatrixLike, k = this.k): Neighbors {
    if (!this.X) throw notFitted(this.constructor.name);
    const q = toMatrix(X);
    checkCols(q, this.X.cols, this.constructor.name);
    return this.tree ? this.tree.query(q, k) : bruteKNeighbors(q, matrixSource(this.X), k, this.metric, this.search);
  }

  /** Per-neighbour weights [n, k] for the configured weighting. */
  protected neighbourWeights(nb: Neighbors): Float64Array {
    const w = new Float64Array(nb.distances.length).fill(1);
    if (this.weights === 'uniform') return w;
    const k = nb.k;
    for (let i = 0; i < w.length / k; i++) {
      let exact = false;
      for (let r = i * k; r < (i + 1) * k; r++) if (nb.distances[r] === 0) exact = true;
      for (let r = i * k; r < (i + 1) * k; r++) {
        const d = nb.distances[r] as number;
        w[r] = exact ? (d === 0 ? 1 : 0) : 1 / d;
      }
    }
    return w;
  }

  protected baseJSON(): Record<string, unknown> {
    if (!this.X) throw notFitted(this.constructor.name);
    return { ...this.params(), rows: this.X.rows, cols: this.X.cols, X: f32ToB64(this.X.data) };
  }

  protected restoreX(o: Record<string, unknown>): Matrix {
    const rows = num(o, 'rows');
    const cols = num(o, 'cols');
    return { data: b64ToF32(o['X'], 'X', rows * cols), rows, cols };
  }
}

function optionsFrom(o: Record<string, unknown>): KNNOptions {
  return { k: num(o, 'k'), weights: o['weights'] as 'uniform', metric: o['metric'] as Metric, algorithm: o['algorithm'] as 'auto', leafSize: num(o, 'leafSize') };
}

/** Classifier voting among the k nearest training rows. */
export class KNNClassifier extends KNNBase {
  classes: number[] = [];
  private y: Int32Array | null = null;

  fit(X: MatrixLike, y: Labels): this {
    const m = this.fitX(X);
    const { classes, encoded } = encodeClasses(toLabels(y, m.rows));
    this.classes = classes;
    this.y = encoded;
    return this;
  }

  /** Class probabilities [n][C] in the order of `classes`. */
  predictProba(X: MatrixLike): number[][] {
    if (!this.y) throw notFitted('KNNClassifier');
    const nb = this.kneighbors(X);
    const w = this.neighbourWeights(nb);
    const C = this.classes.length;
    const n = nb.indices.length / nb.k;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const p = new Array<number>(C).fill(0);
      let s = 0;
      for (let r = i * nb.k; r < (i + 1) * nb.k; r++) {
        p[this.y[nb.indices[r] as number] as number]! += w[r] as number;
        s += w[r] as number;
      }
      out.push(p.map((v) => v / s));
    }
    return out;
  }

  /** Most-voted class per row (ties → smallest class label). */
  predict(X: MatrixLike): Float64Array {
    return Float64Array.from(this.predictProba(X), (p) => {
      let best = 0;
      for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      return this.classes[best] as number;
    });
  }

  toJSON(): Record<string, unknown> {
    return { kind: 'KNNClassifier', ...this.baseJSON(), classes: this.classes, y: f64ToB64(Float64Array.from(this.y ?? [])) };
  }

  static fromJSON(json: unknown): KNNClassifier {
    const o = checkKind(json, 'KNNClassifier');
    const m = new KNNClassifier(optionsFrom(o));
    const X = m.restoreX(o);
    m.fitX(X);
    m.classes = numArray(o, 'classes');
    m.y = Int32Array.from(b64ToF64(o['y'], 'y', X.rows));
    return m;
  }
}

/** Regressor averaging the targets of the k nearest training rows. */
export class KNNRegressor extends KNNBase {
  private y: Float64Array | null = null;

  fit(X: MatrixLike, y: Labels): this {
    const m = this.fitX(X);
    this.y = toLabels(y, m.rows);
    return this;
  }

  predict(X: MatrixLike): Float64Array {
    if (!this.y) throw notFitted('KNNRegressor');
    const nb = this.kneighbors(X);
    const w = this.neighbourWeights(nb);
    const n = nb.indices.length / nb.k;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      let ws = 0;
      for (let r = i * nb.k; r < (i + 1) * nb.k; r++) {
        s += (w[r] as number) * (this.y[nb.indices[r] as number] as number);
        ws += w[r] as number;
      }
      out[i] = s / ws;
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    return { kind: 'KNNRegressor', ...this.baseJSON(), y: f64ToB64(this.y ?? new Float64Array()) };
  }

  static fromJSON(json: unknown): KNNRegressor {
    const o = checkKind(json, 'KNNRegressor');
    const m = new KNNRegressor(optionsFrom(o));
    const X = m.restoreX(o);
    m.fitX(X);
    m.y = b64ToF64(o['y'], 'y', X.rows);
    return m;
  }
}
