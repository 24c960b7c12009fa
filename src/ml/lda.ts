/**
 * Linear discriminant analysis with scikit-learn's results (LinearDiscriminantAnalysis, solvers
 * 'svd' and 'eigen', no shrinkage): class means and priors, a projection onto at most
 * min(classes − 1, features) discriminant axes (transform), and the linear classifier those give
 * (decision function, predict, predict_proba as the softmax of the decision function).
 * 'svd' never forms the within-class covariance, so it copes with collinear features (pixels that
 * never change); 'eigen' solves Sb·v = λ·Sw·v through a Cholesky factor of Sw and needs Sw positive
 * definite. Transform axes carry an arbitrary sign, as sklearn's do; everything else is sign-free.
 */
import { invalidArgument } from '../core/errors.js';
import { type MatrixLike, type Labels, toMatrix, toLabels, encodeClasses, checkCols, notFitted, checkKind } from './matrix.js';
import { f64ToB64, b64ToF64, num, numArray } from './serialize.js';
import { symmetricEigen } from './eigen.js';

export interface LDAOptions {
  /** 'svd' (default) or 'eigen'. */
  solver?: 'svd' | 'eigen';
  /** Axes kept by transform (default and maximum min(classes − 1, features)). */
  nComponents?: number;
  /** Class priors (default: class frequencies). */
  priors?: number[];
  /** svd: singular values at or below this count as zero (sklearn's tol, 1e-4). */
  tol?: number;
}

/** Row-major helpers on float64 [r, c] arrays. */
function matmul(A: Float64Array, B: Float64Array, n: number, k: number, m: number): Float64Array {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p]!;
      if (a !== 0) for (let j = 0; j < m; j++) C[i * m + j]! += a * B[p * m + j]!;
    }
  return C;
}

function gram(A: Float64Array, n: number, d: number): Float64Array {
  const G = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++) {
      const a = A[r * d + i]!;
      if (a !== 0) for (let j = i; j < d; j++) G[i * d + j]! += a * A[r * d + j]!;
    }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) G[i * d + j] = G[j * d + i]!;
  return G;
}

/** Right singular vectors (as columns of V [d, r]) and singular values of A [n, d] with S > cut(S[0]). */
function thinSvd(A: Float64Array, n: number, d: number, keep: (s: number, s0: number) => boolean): { S: number[]; V: Float64Array; r: number } {
  const { values, vectors } = symmetricEigen(gram(A, n, d), d);
  const S = Array.from(values, (v) => Math.sqrt(Math.max(v, 0)));
  const r = S.filter((s) => keep(s, S[0]!)).length;
  const V = new Float64Array(d * r);
  for (let j = 0; j < r; j++) for (let i = 0; i < d; i++) V[i * r + j] = vectors[j * d + i]!;
  return { S, V, r };
}

export class LinearDiscriminantAnalysis {
  readonly solver: 'svd' | 'eigen';
  readonly nComponentsOption: number | undefined;
  readonly priorsOption: number[] | undefined;
  readonly tol: number;
  classes: number[] = [];
  priors: Float64Array = new Float64Array();
  /** [classes, features] class means. */
  means: Float64Array = new Float64Array();
  /** Overall mean (priors · means), subtracted by the svd transform. */
  xbar: Float64Array = new Float64Array();
  /** [features, axes] projection; transform keeps its first nComponents columns. */
  scalings: Float64Array = new Float64Array();
  nAxes = 0;
  nComponents = 0;
  /** [classes, features] and [classes]: decision = X·coefᵀ + intercept. */
  coef: Float64Array = new Float64Array();
  intercept: Float64Array = new Float64Array();
  explainedVarianceRatio: Float64Array = new Float64Array();
  nFeatures = 0;

  constructor(o: LDAOptions = {}) {
    this.solver = o.solver ?? 'svd';
    if (this.solver !== 'svd' && this.solver !== 'eigen') throw invalidArgument(`LDA solver must be svd or eigen, got ${String(o.solver)}`);
    this.nComponentsOption = o.nComponents;
    this.priorsOption = o.priors;
    this.tol = o.tol ?? 1e-4;
  }

  fit(X: MatrixLike, y: Labels): this {
    const m = toMatrix(X);
    const { rows: n, cols: d } = m;
    const { classes, encoded } = encodeClasses(toLabels(y, n));
    const K = classes.length;
    if (K < 2) throw invalidArgument('LDA needs at least 2 classes');
    if (n <= K) throw invalidArgument(`LDA needs more samples (${n}) than classes (${K})`);
    const counts = new Float64Array(K);
    const means = new Float64Array(K * d);
    for (let i = 0; i < n; i++) {
      const c = encoded[i]!;
      counts[c]!++;
      for (let j = 0; j < d; j++) means[c * d + j]! += m.data[i * d + j]!;
    }
    for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) means[c * d + j]! /= counts[c]!;
    let priors = Float64Array.from(counts, (c) => c / n);
    if (this.priorsOption) {
      if (this.priorsOption.length !== K || this.priorsOption.some((p) => !(p > 0))) throw invalidArgument(`LDA priors must be ${K} positive numbers`);
      const s = this.priorsOption.reduce((a, b) => a + b, 0);
      priors = Float64Array.from(this.priorsOption, (p) => p / s);
    }
    const maxComponents = Math.min(K - 1, d);
    const k = this.nComponentsOption ?? maxComponents;
    if (!Number.isInteger(k) || k < 1 || k > maxComponents) throw invalidArgument(`LDA nComponents must be 1..${maxComponents}, got ${k}`);
    Object.assign(this, { classes, priors, means, nFeatures: d, nComponents: k });
    this.xbar = matmul(priors, means, 1, K, d);
    // Within-class deviations, shared by both solvers.
    const Xc = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = m.data[i * d + j]! - means[encoded[i]! * d + j]!;
    if (this.solver === 'svd') this.fitSvd(Xc, n, d, K);
    else this.fitEigen(m.data, Xc, encoded, n, d, K);
    this.explainedVarianceRatio = this.explainedVarianceRatio.slice(0, k);
    return this;
  }

  /** sklearn's _solve_svd: whiten the within-class scatter by an SVD, then an SVD of the weighted centred means. */
  private fitSvd(Xc: Float64Array, n: number, d: number, K: number): void {
    const std = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const v = Xc[i * d + j]!;
        s += v;
        s2 += v * v;
      }
      const mean = s / n;
      const sd = Math.sqrt(Math.max(s2 / n - mean * mean, 0));
      std[j] = sd === 0 ? 1 : sd;
    }
    const fac = Math.sqrt(1 / (n - K));
    const W = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) W[i * d + j] = (fac * Xc[i * d + j]!) / std[j]!;
    const first = thinSvd(W, n, d, (s) => s > this.tol);
    if (first.r === 0) throw invalidArgument('LDA: the within-class scatter is zero');
    const r1 = first.r;
    const sc = new Float64Array(d * r1); // (Vt[:r] / std).T / S[:r]
    for (let i = 0; i < d; i++) for (let j = 0; j < r1; j++) sc[i * r1 + j] = first.V[i * r1 + j]! / std[i]! / first.S[j]!;
    const fac2 = 1 / (K - 1);
    const B = new Float64Array(K * d);
    for (let c = 0; c < K; c++) {
      const w = Math.sqrt(n * this.priors[c]! * fac2);
      for (let j = 0; j < d; j++) B[c * d + j] = w * (this.means[c * d + j]! - this.xbar[j]!);
    }
    const Bs = matmul(B, sc, K, d, r1);
    const second = thinSvd(Bs, K, r1, (s, s0) => s > this.tol * s0);
    const total = second.S.reduce((a, s) => a + s * s, 0);
    this.explainedVarianceRatio = Float64Array.from(second.S.slice(0, Math.min(K - 1, d)), (s) => (s * s) / total);
    this.nAxes = second.r;
    this.scalings = matmul(sc, second.V, d, r1, second.r);
    this.setClassifier(d, K, true);
  }

  /** sklearn's _solve_eigen: Sb·v = λ·Sw·v with Sw the prior-weighted class covariances (divided by class counts). */
  private fitEigen(X: Float32Array, Xc: Float64Array, encoded: Int32Array, n: number, d: number, K: number): void {
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[encoded[i]!]!++;
    const Sw = new Float64Array(d * d);
    const St = new Float64Array(d * d);
    const row = new Float64Array(d);
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += X[i * d + j]! / n;
    for (let i = 0; i < n; i++) {
      const w = this.priors[encoded[i]!]! / counts[encoded[i]!]!;
      for (let j = 0; j < d; j++) row[j] = X[i * d + j]! - mu[j]!;
      for (let a = 0; a < d; a++) {
        const xa = Xc[i * d + a]!;
        const ta = row[a]!;
        for (let b = 0; b < d; b++) {
          Sw[a * d + b]! += w * xa * Xc[i * d + b]!;
          St[a * d + b]! += (ta * row[b]!) / n;
        }
      }
    }
    const Sb = St.map((v, i) => v - Sw[i]!);
    // Cholesky Sw = L·Lᵀ, then C = L⁻¹·Sb·L⁻ᵀ is symmetric with the same eigenvalues.
    const L = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        let s = Sw[i * d + j]!;
        for (let p = 0; p < j; p++) s -= L[i * d + p]! * L[j * d + p]!;
        if (i === j) {
          if (!(s > 1e-12 * Math.max(1, Sw[i * d + i]!))) throw invalidArgument("LDA 'eigen': the within-class covariance is singular (constant or collinear features); use solver 'svd'");
          L[i * d + i] = Math.sqrt(s);
        } else L[i * d + j] = s / L[j * d + j]!;
      }
    const solveL = (b: Float64Array): Float64Array => {
      const x = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = b[i]!;
        for (let p = 0; p < i; p++) s -= L[i * d + p]! * x[p]!;
        x[i] = s / L[i * d + i]!;
      }
      return x;
    };
    const Y = new Float64Array(d * d); // L⁻¹·Sb, column by column (Sb symmetric: its rows are its columns)
    for (let c = 0; c < d; c++) Y.set(solveL(Sb.subarray(c * d, (c + 1) * d)), c * d); // row c of Y holds column c of L⁻¹Sb
    const C = new Float64Array(d * d); // (L⁻¹·(L⁻¹Sb)ᵀ)
    for (let r = 0; r < d; r++) {
      const col = new Float64Array(d);
      for (let i = 0; i < d; i++) col[i] = Y[i * d + r]!; // row r of L⁻¹Sb
      C.set(solveL(col), r * d);
    }
    const { values, vectors } = symmetricEigen(C, d);
    const total = values.reduce((a, v) => a + v, 0);
    this.explainedVarianceRatio = Float64Array.from(values.slice(0, Math.min(K - 1, d)), (v) => v / total);
    // v = L⁻ᵀ·u (back substitution), so vᵀ·Sw·v = 1, as scipy's eigh(Sb, Sw).
    this.scalings = new Float64Array(d * d);
    for (let e = 0; e < d; e++) {
      const u = vectors.subarray(e * d, (e + 1) * d);
      for (let i = d - 1; i >= 0; i--) {
        let s = u[i]!;
        for (let p = i + 1; p < d; p++) s -= L[p * d + i]! * this.scalings[p * d + e]!;
        this.scalings[i * d + e] = s / L[i * d + i]!;
      }
    }
    this.nAxes = d;
    this.setClassifier(d, K, false);
  }

  /** coef and intercept from the scalings, as each sklearn solver forms them. */
  private setClassifier(d: number, K: number, svd: boolean): void {
    const a = this.nAxes;
    const centred = svd ? this.means.map((v, i) => v - this.xbar[i % d]!) : this.means;
    const proj = matmul(centred, this.scalings, K, d, a); // [K, a]
    const St = new Float64Array(a * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < a; j++) St[j * d + i] = this.scalings[i * a + j]!;
    this.coef = matmul(proj, St, K, a, d);
    this.intercept = new Float64Array(K);
    for (let c = 0; c < K; c++) {
      let q = 0;
      if (svd) for (let j = 0; j < a; j++) q += proj[c * a + j]! ** 2;
      else for (let j = 0; j < d; j++) q += this.means[c * d + j]! * this.coef[c * d + j]!;
      this.intercept[c] = -0.5 * q + Math.log(this.priors[c]!);
      if (svd) for (let j = 0; j < d; j++) this.intercept[c]! -= this.xbar[j]! * this.coef[c * d + j]!;
    }
  }

  private fitted(X: MatrixLike, who: string): { data: Float32Array; rows: number } {
    if (this.nFeatures === 0) throw notFitted('LinearDiscriminantAnalysis');
    const m = toMatrix(X);
    checkCols(m, this.nFeatures, who);
    return m;
  }

  /** [n, nComponents] discriminant coordinates. */
  transform(X: MatrixLike): Float32Array {
    const m = this.fitted(X, 'LinearDiscriminantAnalysis.transform');
    const d = this.nFeatures;
    const a = this.nAxes;
    const k = Math.min(this.nComponents, a);
    const out = new Float32Array(m.rows * k);
    const shift = this.solver === 'svd' ? this.xbar : new Float64Array(d);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < d; p++) s += (m.data[i * d + p]! - shift[p]!) * this.scalings[p * a + j]!;
        out[i * k + j] = s;
      }
    return out;
  }

  /** [n, classes] X·coefᵀ + intercept. */
  decisionFunction(X: MatrixLike): Float64Array {
    const m = this.fitted(X, 'LinearDiscriminantAnalysis.decisionFunction');
    const d = this.nFeatures;
    const K = this.classes.length;
    const out = new Float64Array(m.rows * K);
    for (let i = 0; i < m.rows; i++)
      for (let c = 0; c < K; c++) {
        let s = this.intercept[c]!;
        for (let p = 0; p < d; p++) s += m.data[i * d + p]! * this.coef[c * d + p]!;
        out[i * K + c] = s;
      }
    return out;
  }

  /** [n, classes] posterior probabilities (softmax of the decision function; the logistic for two classes). */
  predictProba(X: MatrixLike): number[][] {
    const K = this.classes.length;
    const dec = this.decisionFunction(X);
    const rows: number[][] = [];
    for (let i = 0; i < dec.length / K; i++) {
      const z = Array.from(dec.subarray(i * K, (i + 1) * K));
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      rows.push(e.map((v) => v / s));
    }
    return rows;
  }

  predict(X: MatrixLike): Float64Array {
    const K = this.classes.length;
    const dec = this.decisionFunction(X);
    return Float64Array.from({ length: dec.length / K }, (_, i) => {
      let best = 0;
      for (let c = 1; c < K; c++) if (dec[i * K + c]! > dec[i * K + best]!) best = c;
      return this.classes[best]!;
    });
  }

  toJSON(): Record<string, unknown> {
    if (this.nFeatures === 0) throw notFitted('LinearDiscriminantAnalysis');
    return {
      kind: 'LinearDiscriminantAnalysis',
      solver: this.solver,
      nComponents: this.nComponents,
      nFeatures: this.nFeatures,
      nAxes: this.nAxes,
      classes: this.classes,
      priors: f64ToB64(this.priors),
      means: f64ToB64(this.means),
      xbar: f64ToB64(this.xbar),
      scalings: f64ToB64(this.scalings),
      coef: f64ToB64(this.coef),
      intercept: f64ToB64(this.intercept),
      explainedVarianceRatio: f64ToB64(this.explainedVarianceRatio),
    };
  }

  static fromJSON(json: unknown): LinearDiscriminantAnalysis {
    const o = checkKind(json, 'LinearDiscriminantAnalysis');
    const m = new LinearDiscriminantAnalysis({ solver: o['solver'] === 'eigen' ? 'eigen' : 'svd' });
    const d = num(o, 'nFeatures');
    const a = num(o, 'nAxes');
    m.classes = numArray(o, 'classes');
    const K = m.classes.length;
    m.nFeatures = d;
    m.nAxes = a;
    m.nComponents = num(o, 'nComponents');
    m.priors = b64ToF64(o['priors'], 'priors', K);
    m.means = b64ToF64(o['means'], 'means', K * d);
    m.xbar = b64ToF64(o['xbar'], 'xbar', d);
    m.scalings = b64ToF64(o['scalings'], 'scalings', d * a);
    m.coef = b64ToF64(o['coef'], 'coef', K * d);
    m.intercept = b64ToF64(o['intercept'], 'intercept', K);
    m.explainedVarianceRatio = b64ToF64(o['explainedVarianceRatio'], 'explainedVarianceRatio');
    return m;
  }
}
