/**
 * Principal component analysis with scikit-learn's results: components from the covariance
 * eigendecomposition ('full') or a randomized SVD ('randomized', Halko et al.), signs fixed like
 * sklearn's svd_flip (largest |projection| positive), explained variance (ratio), whitening.
 * 'covariance-randomized' forms the covariance with one GEMM and takes its top eigenpairs by
 * randomized subspace iteration (subspace.ts): for many rows and a few thousand features it skips
 * both the O(d³) JS eigensolver and the per-iteration passes over the rows.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { kernels } from '../tensor/index.js';
import { type Matrix, type MatrixLike, toMatrix, checkCols, notFitted, checkKind } from './matrix.js';
import { symmetricEigen } from './eigen.js';
import { topEigen } from './subspace.js';
import { columnMeans, centredGram, centredTimes, centredTransposeTimes, centredBlock, orthonormalizeColumns } from './linalg.js';
import { f32ToB64, b64ToF32, f64ToB64, b64ToF64, num } from './serialize.js';

export interface PCAOptions {
  /** Components to keep: an integer, or a fraction in (0, 1) of variance to explain (full solver). Default min(n, d). */
  nComponents?: number;
  /**
   * 'auto' (default): full when d ≤ 1000 or many components are kept, else randomized.
   * 'covariance-randomized': randomized subspace iteration on the covariance (integer nComponents).
   */
  solver?: PCASolver;
  /** Scale projections to unit variance. Default false. */
  whiten?: boolean;
  /** Randomized solver: power iterations (default 'auto' = 7 if k < 0.1·min(n, d), else 4) and oversampling (10). */
  nIter?: number | 'auto';
  nOversamples?: number;
  seed?: number;
}

export type PCASolver = 'auto' | 'full' | 'randomized' | 'covariance-randomized';
const SOLVERS: readonly PCASolver[] = ['auto', 'full', 'randomized', 'covariance-randomized'];

export class PCA {
  readonly nComponentsOption: number | undefined;
  readonly solver: PCASolver;
  readonly whiten: boolean;
  readonly nIter: number | 'auto';
  readonly nOversamples: number;
  readonly seed: number;
  /** [k, d] principal axes, rows ordered by explained variance. */
  components: Float32Array | null = null;
  mean: Float64Array | null = null;
  explainedVariance: Float64Array = new Float64Array();
  explainedVarianceRatio: Float64Array = new Float64Array();
  singularValues: Float64Array = new Float64Array();
  noiseVariance = 0;
  nComponents = 0;
  nFeatures = 0;
  nSamples = 0;

  constructor(o: PCAOptions = {}) {
    this.nComponentsOption = o.nComponents;
    this.solver = o.solver ?? 'auto';
    this.whiten = o.whiten ?? false;
    this.nIter = o.nIter ?? 'auto';
    this.nOversamples = o.nOversamples ?? 10;
    this.seed = o.seed ?? 0;
    const k = o.nComponents;
    if (k !== undefined && !(k > 0 && (Number.isInteger(k) || k < 1))) throw invalidArgument(`nComponents must be a positive integer or a fraction in (0, 1), got ${k}`);
    if (!SOLVERS.includes(this.solver)) throw invalidArgument(`solver must be one of ${SOLVERS.join(', ')}`);
  }

  fit(X: MatrixLike): this {
    this.fitProject(toMatrix(X));
    return this;
  }

  /** Fit, and return the (unwhitened) projections of the fitted rows, [n, k], which svd_flip needed anyway. */
  private fitProject(m: Matrix): Float32Array {
    const { rows: n, cols: d } = m;
    if (n < 2) throw invalidArgument('PCA needs at least 2 rows');
    const opt = this.nComponentsOption;
    const maxK = Math.min(n, d);
    if (opt !== undefined && opt >= 1 && opt > maxK) throw invalidArgument(`nComponents=${opt} must be ≤ min(rows, cols) = ${maxK}`);
    const k0 = opt === undefined ? maxK : opt < 1 ? maxK : opt;
    let solver = this.solver;
    if (solver === 'auto') solver = d <= 1000 || k0 >= 0.8 * maxK ? 'full' : 'randomized';
    if (solver !== 'full' && opt !== undefined && opt < 1) throw invalidArgument('a variance fraction needs the full solver');
    this.mean = columnMeans(m);
    this.nFeatures = d;
    this.nSamples = n;
    if (solver === 'full') this.fitFull(m, opt);
    else if (solver === 'covariance-randomized') this.fitCovariance(m, k0);
    else this.fitRandomized(m, k0);
    return this.flipSigns(m);
  }

  private fitFull(m: Matrix, opt: number | undefined): void {
    const { rows: n, cols: d } = m;
    const gram = centredGram(m, this.mean!);
    const { values, vectors } = symmetricEigen(gram, d);
    const maxK = Math.min(n, d);
    const ev = Float64Array.from(values.subarray(0, maxK), (v) => Math.max(0, v) / (n - 1));
    const total = ev.reduce((a, b) => a + b, 0);
    let k = opt === undefined ? maxK : opt;
    if (opt !== undefined && opt < 1) {
      // Smallest k whose cumulative ratio exceeds the fraction (sklearn: searchsorted side='right').
      let cum = 0;
      k = maxK;
      for (let i = 0; i < maxK; i++) {
        cum += (ev[i] as number) / total;
        if (cum > opt) {
          k = i + 1;
          break;
        }
      }
    }
    this.set(Float32Array.from(vectors.subarray(0, k * d)), ev.subarray(0, k), total, n);
    this.noiseVariance = k < maxK ? ev.subarray(k).reduce((a, b) => a + b, 0) / (maxK - k) : 0;
  }

  private fitCovariance(m: Matrix, k: number): void {
    const { rows: n, cols: d } = m;
    const gram = centredGram(m, this.mean!);
    let total = 0;
    for (let j = 0; j < d; j++) total += gram[j * d + j] as number;
    total /= n - 1;
    // Oversampling: the subspace converges like (λ_{l+1}/λ_k)^iters, and the covariance's trailing
    // eigenvalues are close together; a quarter of k (64 for 256) keeps ≥ 99.9% of the exact variance.
    const oversample = Math.max(this.nOversamples, Math.ceil(k / 4));
    const iters = this.nIter === 'auto' ? 4 : this.nIter;
    const { values, vectors } = topEigen(gram, d, k, { oversample, iters, rng: new Rng(this.seed) });
    const ev = Float64Array.from(values, (v) => Math.max(0, v) / (n - 1));
    this.set(Float32Array.from(vectors), ev, total, n);
    const rest = Math.min(n, d) - k;
    this.noiseVariance = rest > 0 ? Math.max(0, total - ev.reduce((a, b) => a + b, 0)) / rest : 0;
  }

  private fitRandomized(m: Matrix, k: number): void {
    const { rows: n, cols: d } = m;
    const rng = new Rng(this.seed);
    const l = Math.min(k + this.nOversamples, Math.min(n, d));
    const iters = this.nIter === 'auto' ? (k < 0.1 * Math.min(n, d) ? 7 : 4) : this.nIter;
    const omega = new Float32Array(d * l);
    for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
    let Q = centredTimes(m, this.mean!, omega, l); // [n, l]
    orthonormalizeColumns(Q, n, l);
    for (let it = 0; it < iters; it++) {
      const Z = centredTransposeTimes(m, this.mean!, Q, l); // [d, l]
      orthonormalizeColumns(Z, d, l);
      Q = centredTimes(m, this.mean!, Z, l);
      orthonormalizeColumns(Q, n, l);
    }
    // B = Qᵀ Xc is [l, d]; its right singular vectors come from the small l×l eigenproblem B Bᵀ.
    const Bt = centredTransposeTimes(m, this.mean!, Q, l); // [d, l] = Bᵀ
    const BBt = new Float32Array(l * l);
    kernels().gemm(true, false, l, l, d, Bt, Bt, BBt, false);
    const { values, vectors } = symmetricEigen(Float64Array.from(BBt), l);
    const comps = new Float32Array(k * d);
    const ev = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const s = Math.sqrt(Math.max(0, values[c] as number));
      ev[c] = (s * s) / (n - 1);
      // v_c = Bᵀ u_c / s_c
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let p = 0; p < l; p++) acc += (Bt[j * l + p] as number) * (vectors[c * l + p] as number);
        comps[c * d + j] = s > 0 ? acc / s : 0;
      }
    }
    // Total variance of the data, for the ratio (as sklearn: np.var(X, ddof=1).sum()).
    let total = 0;
    const buf = new Float32Array(Math.min(4096, n) * d);
    for (let r0 = 0; r0 < n; r0 += 4096) {
      const blk = centredBlock(m, this.mean!, r0, Math.min(n, r0 + 4096), buf);
      for (let i = 0; i < blk.length; i++) total += (blk[i] as number) ** 2;
    }
    total /= n - 1;
    this.set(comps, ev, total, n);
    const rest = Math.min(n, d) - k;
    this.noiseVariance = rest > 0 ? Math.max(0, total - ev.reduce((a, b) => a + b, 0)) / rest : 0;
  }

  private set(components: Float32Array, ev: Float64Array, total: number, n: number): void {
    this.components = components;
    this.nComponents = ev.length;
    this.explainedVariance = Float64Array.from(ev);
    this.explainedVarianceRatio = Float64Array.from(ev, (v) => (total > 0 ? v / total : 0));
    this.singularValues = Float64Array.from(ev, (v) => Math.sqrt(v * (n - 1)));
  }

  /**
   * sklearn's svd_flip(u_based_decision=True): the largest-|value| projection of each axis is
   * positive. Returns the projections of m's rows onto the flipped axes.
   */
  private flipSigns(m: Matrix): Float32Array {
    const k = this.nComponents;
    const d = this.nFeatures;
    const C = this.components!;
    const Ct = new Float32Array(d * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) Ct[j * k + c] = C[c * d + j] as number;
    const proj = centredTimes(m, this.mean!, Ct, k); // [n, k]
    for (let c = 0; c < k; c++) {
      let best = 0;
      for (let i = 0; i < m.rows; i++) if (Math.abs(proj[i * k + c] as number) > Math.abs(best)) best = proj[i * k + c] as number;
      if (best < 0) {
        for (let j = 0; j < d; j++) C[c * d + j] = -(C[c * d + j] as number);
        for (let i = 0; i < m.rows; i++) proj[i * k + c] = -(proj[i * k + c] as number);
      }
    }
    return proj;
  }

  /** Project X onto the components: [n, k] (whitened if configured). */
  transform(X: MatrixLike): Matrix {
    if (!this.components || !this.mean) throw notFitted('PCA');
    const m = toMatrix(X);
    checkCols(m, this.nFeatures, 'PCA');
    const k = this.nComponents;
    const out = new Float32Array(m.rows * k);
    const buf = new Float32Array(Math.min(4096, m.rows) * m.cols);
    for (let r0 = 0; r0 < m.rows; r0 += 4096) {
      const r1 = Math.min(m.rows, r0 + 4096);
      const blk = centredBlock(m, this.mean, r0, r1, buf);
      kernels().gemm(false, true, r1 - r0, k, m.cols, blk, this.components, out.subarray(r0 * k, r1 * k), false);
    }
    if (this.whiten) {
      for (let i = 0; i < m.rows; i++) for (let c = 0; c < k; c++) out[i * k + c]! /= Math.sqrt(this.explainedVariance[c] as number) || 1;
    }
    return { data: out, rows: m.rows, cols: k };
  }

  /** fit(X) then transform(X), reusing the projections the fit computes for svd_flip. */
  fitTransform(X: MatrixLike): Matrix {
    const m = toMatrix(X);
    const out = this.fitProject(m);
    const k = this.nComponents;
    if (this.whiten) {
      for (let i = 0; i < m.rows; i++) for (let c = 0; c < k; c++) out[i * k + c]! /= Math.sqrt(this.explainedVariance[c] as number) || 1;
    }
    return { data: out, rows: m.rows, cols: k };
  }

  /** Map projections back to the input space: [n, d]. */
  inverseTransform(Z: MatrixLike): Matrix {
    if (!this.components || !this.mean) throw notFitted('PCA');
    const z = toMatrix(Z, 'Z');
    checkCols(z, this.nComponents, 'PCA.inverseTransform');
    const k = this.nComponents;
    const d = this.nFeatures;
    let zd = z.data;
    if (this.whiten) zd = Float32Array.from(zd, (v, i) => v * Math.sqrt(this.explainedVariance[i % k] as number));
    const out = new Float32Array(z.rows * d);
    kernels().gemm(false, false, z.rows, d, k, zd, this.components, out, false);
    for (let i = 0; i < z.rows; i++) for (let j = 0; j < d; j++) out[i * d + j]! += this.mean[j] as number;
    return { data: out, rows: z.rows, cols: d };
  }

  toJSON(): Record<string, unknown> {
    if (!this.components || !this.mean) throw notFitted('PCA');
    return {
      kind: 'PCA',
      whiten: this.whiten,
      nComponents: this.nComponents,
      nFeatures: this.nFeatures,
      nSamples: this.nSamples,
      noiseVariance: this.noiseVariance,
      components: f32ToB64(this.components),
      mean: f64ToB64(this.mean),
      explainedVariance: f64ToB64(this.explainedVariance),
      explainedVarianceRatio: f64ToB64(this.explainedVarianceRatio),
    };
  }

  static fromJSON(json: unknown): PCA {
    const o = checkKind(json, 'PCA');
    const k = num(o, 'nComponents');
    const d = num(o, 'nFeatures');
    const p = new PCA({ whiten: o['whiten'] === true });
    p.nComponents = k;
    p.nFeatures = d;
    p.nSamples = num(o, 'nSamples');
    p.noiseVariance = num(o, 'noiseVariance');
    p.components = b64ToF32(o['components'], 'components', k * d);
    p.mean = b64ToF64(o['mean'], 'mean', d);
    p.explainedVariance = b64ToF64(o['explainedVariance'], 'explainedVariance', k);
    p.explainedVarianceRatio = b64ToF64(o['explainedVarianceRatio'], 'explainedVarianceRatio', k);
    p.singularValues = Float64Array.from(p.explainedVariance, (v) => Math.sqrt(v * (p.nSamples - 1)));
    return p;
  }
}
