/**
 * Mini-batch K-means (sklearn's MiniBatchKMeans) for data too large for full Lloyd passes:
 * k-means++ on a 3×batch subsample, then per-batch centre updates with per-centre learning rates
 * 1/count, early stopping on the smoothed batch inertia, and reassignment of starved centres.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { type MatrixLike, toMatrix, takeRows, checkCols, notFitted, checkKind } from './matrix.js';
import { assignNearest, kmeansPlusPlus, rowSqNorms } from './kmeans-core.js';
import { f32ToB64, b64ToF32, num } from './serialize.js';

export interface MiniBatchKMeansOptions {
  k?: number;
  /** Rows per step. Default 1024. */
  batchSize?: number;
  /** Passes over the data (epochs). Default 100. */
  maxIter?: number;
  /** Stop after this many steps without a better smoothed inertia. Default 10. */
  maxNoImprovement?: number;
  /** Centres with fewer than this fraction of the largest count are reseeded. Default 0.01. */
  reassignmentRatio?: number;
  seed?: number;
  progress?: ProgressSink;
}

export class MiniBatchKMeans {
  readonly k: number;
  readonly batchSize: number;
  readonly maxIter: number;
  readonly maxNoImprovement: number;
  readonly reassignmentRatio: number;
  readonly seed: number;
  private readonly progress: ProgressSink;
  clusterCenters: Float32Array | null = null;
  labels: Int32Array | null = null;
  inertia = NaN;
  nSteps = 0;
  nFeatures = 0;

  constructor(o: MiniBatchKMeansOptions = {}) {
    this.k = o.k ?? 8;
    this.batchSize = o.batchSize ?? 1024;
    this.maxIter = o.maxIter ?? 100;
    this.maxNoImprovement = o.maxNoImprovement ?? 10;
    this.reassignmentRatio = o.reassignmentRatio ?? 0.01;
    this.seed = o.seed ?? 0;
    this.progress = o.progress ?? noProgress;
    for (const [name, v] of [['k', this.k], ['batchSize', this.batchSize], ['maxIter', this.maxIter], ['maxNoImprovement', this.maxNoImprovement]] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidArgument(`${name} must be a positive integer, got ${v}`);
    }
  }

  fit(X: MatrixLike): this {
    const m = toMatrix(X);
    const { rows: n, cols: d } = m;
    if (n < this.k) throw invalidArgument(`k=${this.k} clusters need at least ${this.k} rows, got ${n}`);
    const rng = new Rng(this.seed);
    const bs = Math.min(this.batchSize, n);
    const initRows = takeRows(m, rng.permutation(n).subarray(0, Math.min(n, Math.max(3 * bs, this.k))));
    const centers = kmeansPlusPlus(initRows, rowSqNorms(initRows.data, initRows.rows, d), this.k, rng);
    const counts = new Float64Array(this.k);
    const steps = Math.ceil((this.maxIter * n) / bs);
    const idx = new Int32Array(bs);
    const labels = new Int32Array(bs);
    const dist2 = new Float64Array(bs);
    let ewa = NaN;
    let bestEwa = Infinity;
    let noImprove = 0;
    let step = 0;
    for (; step < steps; step++) {
      for (let b = 0; b < bs; b++) idx[b] = rng.int(n);
      const batch = takeRows(m, idx);
      assignNearest(batch, rowSqNorms(batch.data, bs, d), centers, this.k, labels, dist2);
      // Per-centre running mean: centre ← (centre·count + Σ batch points) / (count + batch count).
      const sums = new Float64Array(this.k * d);
      const bc = new Float64Array(this.k);
      for (let b = 0; b < bs; b++) {
        const c = labels[b] as number;
        bc[c]! += 1;
        for (let j = 0; j < d; j++) sums[c * d + j]! += batch.data[b * d + j] as number;
      }
      for (let c = 0; c < this.k; c++) {
        if (bc[c] === 0) continue;
        const total = (counts[c] as number) + (bc[c] as number);
        for (let j = 0; j < d; j++) centers[c * d + j] = ((centers[c * d + j] as number) * (counts[c] as number) + (sums[c * d + j] as number)) / total;
        counts[c] = total;
      }
      if ((step + 1) % 10 === 0) this.reassign(counts, centers, batch.data, d, rng);
      const batchInertia = dist2.reduce((a, v) => a + v, 0) / bs;
      const alpha = Math.min(1, (2 * bs) / (n + 1));
      ewa = Number.isNaN(ewa) ? batchInertia : ewa * (1 - alpha) + batchInertia * alpha;
      if (ewa < bestEwa) {
        bestEwa = ewa;
        noImprove = 0;
      } else if (++noImprove >= this.maxNoImprovement) {
        step++;
        break;
      }
      if (step % 20 === 0) this.progress.update(step, steps, `ewa inertia ${ewa.toFixed(3)}`);
    }
    this.clusterCenters = centers;
    this.nSteps = step;
    this.nFeatures = d;
    const all = new Int32Array(n);
    const allD = new Float64Array(n);
    assignNearest(m, rowSqNorms(m.data, n, d), centers, this.k, all, allD);
    this.labels = all;
    this.inertia = allD.reduce((a, v) => a + v, 0);
    return this;
  }

  /** Reseed centres whose count is far below the busiest one at random batch points. */
  private reassign(counts: Float64Array, centers: Float32Array, batch: Float32Array, d: number, rng: Rng): void {
    const max = counts.reduce((a, b) => Math.max(a, b), 0);
    const rows = batch.length / d;
    for (let c = 0; c < this.k; c++) {
      if ((counts[c] as number) < this.reassignmentRatio * max) {
        const r = rng.int(rows);
        centers.set(batch.subarray(r * d, (r + 1) * d), c * d);
        counts[c] = Math.min(...Array.from(counts).filter((v) => v >= this.reassignmentRatio * max));
      }
    }
  }

  predict(X: MatrixLike): Int32Array {
    if (!this.clusterCenters) throw notFitted('MiniBatchKMeans');
    const m = toMatrix(X);
    checkCols(m, this.nFeatures, 'MiniBatchKMeans');
    const labels = new Int32Array(m.rows);
    assignNearest(m, rowSqNorms(m.data, m.rows, m.cols), this.clusterCenters, this.k, labels, new Float64Array(m.rows));
    return labels;
  }

  toJSON(): Record<string, unknown> {
    if (!this.clusterCenters) throw notFitted('MiniBatchKMeans');
    return { kind: 'MiniBatchKMeans', k: this.k, batchSize: this.batchSize, maxIter: this.maxIter, seed: this.seed, nFeatures: this.nFeatures, inertia: this.inertia, centers: f32ToB64(this.clusterCenters) };
  }

  static fromJSON(json: unknown): MiniBatchKMeans {
    const o = checkKind(json, 'MiniBatchKMeans');
    const m = new MiniBatchKMeans({ k: num(o, 'k'), batchSize: num(o, 'batchSize'), maxIter: num(o, 'maxIter'), seed: num(o, 'seed') });
    m.nFeatures = num(o, 'nFeatures');
    m.inertia = num(o, 'inertia');
    m.clusterCenters = b64ToF32(o['centers'], 'centers', m.k * m.nFeatures);
    return m;
  }
}
