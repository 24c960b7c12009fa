/**
 * K-means (Lloyd, as sklearn's KMeans(algorithm='lloyd')): greedy k-means++ or random seeding,
 * nInit restarts keeping the lowest inertia, convergence when labels stop changing or the squared
 * centre shift falls under tol × mean feature variance. Seeded through Rng, so runs repeat.
 * Lloyd's iterations run with Hamerly's bounds by default (kmeans-hamerly.ts: the same labels,
 * far fewer distances); `algorithm: 'lloyd'` runs the plain loop.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { type Matrix, type MatrixLike, toMatrix, checkCols, notFitted, checkKind } from './matrix.js';
import { assignNearest, kmeansPlusPlus, meanVariance, rowSqNorms } from './kmeans-core.js';
import { lloyd, type LloydResult } from './kmeans-lloyd.js';
import { hamerly } from './kmeans-hamerly.js';
import { f32ToB64, b64ToF32, num } from './serialize.js';

export { lloyd, relocateEmpty } from './kmeans-lloyd.js';

export interface KMeansOptions {
  /** Number of clusters. Default 8 (sklearn's default). */
  k?: number;
  /** 'k-means++' (default), 'random', or explicit initial centres [k][d]. */
  init?: 'k-means++' | 'random' | number[][];
  /** Restarts; 'auto' (default) = 1 for k-means++ or explicit centres, 10 for random (sklearn ≥ 1.4). */
  nInit?: number | 'auto';
  /** Lloyd iterations per run. Default 300. */
  maxIter?: number;
  /** Relative tolerance on the centre shift. Default 1e-4. */
  tol?: number;
  /** Seed. Default 0. */
  seed?: number;
  /** 'hamerly' (default): Lloyd with Hamerly's bounds; 'lloyd': every distance every iteration. Same results. */
  algorithm?: KMeansAlgorithm;
  progress?: ProgressSink;
}

export type KMeansAlgorithm = 'lloyd' | 'hamerly';


export class KMeans {
  readonly k: number;
  readonly init: 'k-means++' | 'random' | number[][];
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly seed: number;
  readonly algorithm: KMeansAlgorithm;
  private readonly progress: ProgressSink;
  /** [k, d] fitted centres. */
  clusterCenters: Float32Array | null = null;
  labels: Int32Array | null = null;
  inertia = NaN;
  nIter = 0;
  nFeatures = 0;

  constructor(o: KMeansOptions = {}) {
    this.k = o.k ?? 8;
    this.init = o.init ?? 'k-means++';
    const nInit = o.nInit ?? 'auto';
    this.nInit = nInit === 'auto' ? (this.init === 'random' ? 10 : 1) : nInit;
    this.maxIter = o.maxIter ?? 300;
    this.tol = o.tol ?? 1e-4;
    this.seed = o.seed ?? 0;
    this.algorithm = o.algorithm ?? 'hamerly';
    this.progress = o.progress ?? noProgress;
    if (!Number.isInteger(this.k) || this.k < 1) throw invalidArgument(`k must be a positive integer, got ${this.k}`);
    if (!Number.isInteger(this.nInit) || this.nInit < 1) throw invalidArgument(`nInit must be a positive integer or 'auto'`);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 1) throw invalidArgument('maxIter must be a positive integer');
    if (!(this.tol >= 0)) throw invalidArgument('tol must be ≥ 0');
    if (this.algorithm !== 'lloyd' && this.algorithm !== 'hamerly') throw invalidArgument(`algorithm must be 'lloyd' or 'hamerly', got ${String(this.algorithm)}`);
    if (Array.isArray(this.init) && this.init.length !== this.k) throw invalidArgument(`init has ${this.init.length} centres, k is ${this.k}`);
    if (!Array.isArray(this.init) && this.init !== 'k-means++' && this.init !== 'random') throw invalidArgument(`init must be 'k-means++', 'random' or centres`);
  }

  private initialCenters(X: Matrix, xNorms: Float32Array, rng: Rng): Float32Array {
    if (Array.isArray(this.init)) return toMatrix(this.init, 'init').data;
    if (this.init === 'k-means++') return kmeansPlusPlus(X, xNorms, this.k, rng);
    const pick = rng.permutation(X.rows).subarray(0, this.k);
    const c = new Float32Array(this.k * X.cols);
    pick.forEach((i, r) => c.set(X.data.subarray(i * X.cols, (i + 1) * X.cols), r * X.cols));
    return c;
  }

  fit(X: MatrixLike): this {
    const m = toMatrix(X);
    if (m.rows < this.k) throw invalidArgument(`k=${this.k} clusters need at least ${this.k} rows, got ${m.rows}`);
    if (Array.isArray(this.init)) checkCols(toMatrix(this.init, 'init'), m.cols, 'KMeans init');
    const rng = new Rng(this.seed);
    const xNorms = rowSqNorms(m.data, m.rows, m.cols);
    const tol = meanVariance(m) * this.tol;
    const runOnce = this.algorithm === 'lloyd' ? lloyd : hamerly;
    let best: LloydResult | null = null;
    for (let r = 0; r < this.nInit; r++) {
      const run = runOnce(m, xNorms, this.initialCenters(m, xNorms, rng), this.k, this.maxIter, tol);
      if (!best || run.inertia < best.inertia) best = run;
      this.progress.update(r + 1, this.nInit, `inertia ${run.inertia.toFixed(1)}`);
    }
    const b = best as LloydResult;
    this.clusterCenters = b.centers;
    this.labels = b.labels;
    this.inertia = b.inertia;
    this.nIter = b.iter;
    this.nFeatures = m.cols;
    return this;
  }

  /** Index of the nearest centre for each row. */
  predict(X: MatrixLike): Int32Array {
    return this.assign(X).labels;
  }

  /** Sum of squared distances of X to its nearest centres, negated (sklearn's score). */
  score(X: MatrixLike): number {
    return -this.assign(X).dist2.reduce((a, b) => a + b, 0);
  }

  fitPredict(X: MatrixLike): Int32Array {
    return this.fit(X).labels as Int32Array;
  }

  private assign(X: MatrixLike): { labels: Int32Array; dist2: Float64Array } {
    if (!this.clusterCenters) throw notFitted('KMeans');
    const m = toMatrix(X);
    checkCols(m, this.nFeatures, 'KMeans');
    const labels = new Int32Array(m.rows);
    const dist2 = new Float64Array(m.rows);
    assignNearest(m, rowSqNorms(m.data, m.rows, m.cols), this.clusterCenters, this.k, labels, dist2);
    return { labels, dist2 };
  }

  toJSON(): Record<string, unknown> {
    if (!this.clusterCenters) throw notFitted('KMeans');
    return { kind: 'KMeans', k: this.k, nInit: this.nInit, maxIter: this.maxIter, tol: this.tol, seed: this.seed, nFeatures: this.nFeatures, inertia: this.inertia, centers: f32ToB64(this.clusterCenters) };
  }

  static fromJSON(json: unknown): KMeans {
    const o = checkKind(json, 'KMeans');
    const m = new KMeans({ k: num(o, 'k'), nInit: num(o, 'nInit'), maxIter: num(o, 'maxIter'), tol: num(o, 'tol'), seed: num(o, 'seed') });
    m.nFeatures = num(o, 'nFeatures');
    m.inertia = num(o, 'inertia');
    m.clusterCenters = b64ToF32(o['centers'], 'centers', m.k * m.nFeatures);
    return m;
  }
}
