/**
 * Feature scaling as in sklearn.preprocessing: StandardScaler (population std, constant features
 * keep scale 1) and MinMaxScaler (to a feature range). Statistics are float64.
 */
import { invalidArgument } from '../core/errors.js';
import { type Matrix, type MatrixLike, toMatrix, checkCols, notFitted, checkKind } from './matrix.js';
import { f64ToB64, b64ToF64, num } from './serialize.js';

function apply(m: Matrix, shift: Float64Array, scale: Float64Array, inverse: boolean): Matrix {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j] as number;
      out[i * m.cols + j] = inverse ? v * (scale[j] as number) + (shift[j] as number) : (v - (shift[j] as number)) / (scale[j] as number);
    }
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

/** z = (x − mean) / std per feature. */
export class StandardScaler {
  mean: Float64Array | null = null;
  scale: Float64Array | null = null;
  variance: Float64Array | null = null;
  constructor(readonly options: { withMean?: boolean; withStd?: boolean } = {}) {}

  fit(X: MatrixLike): this {
    const m = toMatrix(X);
    const { rows: n, cols: d, data } = m;
    const mean = new Float64Array(d);
    const varc = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j] as number;
    for (let j = 0; j < d; j++) mean[j]! /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) varc[j]! += ((data[i * d + j] as number) - (mean[j] as number)) ** 2;
    for (let j = 0; j < d; j++) varc[j]! /= n;
    this.mean = this.options.withMean === false ? new Float64Array(d) : mean;
    this.variance = varc;
    // Near-constant features keep scale 1, as sklearn's _handle_zeros_in_scale.
    this.scale = this.options.withStd === false ? new Float64Array(d).fill(1) : Float64Array.from(varc, (v) => (Math.sqrt(v) < 10 * Number.EPSILON ? 1 : Math.sqrt(v)));
    return this;
  }

  transform(X: MatrixLike): Matrix {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler');
    const m = toMatrix(X);
    checkCols(m, this.mean.length, 'StandardScaler');
    return apply(m, this.mean, this.scale, false);
  }

  fitTransform(X: MatrixLike): Matrix {
    return this.fit(X).transform(X);
  }

  inverseTransform(X: MatrixLike): Matrix {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler');
    return apply(toMatrix(X), this.mean, this.scale, true);
  }

  toJSON(): Record<string, unknown> {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler');
    return { kind: 'StandardScaler', mean: f64ToB64(this.mean), scale: f64ToB64(this.scale) };
  }

  static fromJSON(json: unknown): StandardScaler {
    const o = checkKind(json, 'StandardScaler');
    const s = new StandardScaler();
    s.mean = b64ToF64(o['mean'], 'mean');
    s.scale = b64ToF64(o['scale'], 'scale', s.mean.length);
    return s;
  }
}

/** x' = (x − min) / (max − min) · (hi − lo) + lo per feature. */
export class MinMaxScaler {
  dataMin: Float64Array | null = null;
  dataMax: Float64Array | null = null;
  private shift: Float64Array | null = null;
  private scale: Float64Array | null = null;
  readonly featureRange: [number, number];

  constructor(options: { featureRange?: [number, number] } = {}) {
    this.featureRange = options.featureRange ?? [0, 1];
    if (!(this.featureRange[0] < this.featureRange[1])) throw invalidArgument('featureRange must be [lo, hi] with lo < hi');
  }

  fit(X: MatrixLike): this {
    const m = toMatrix(X);
    const { rows: n, cols: d, data } = m;
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j] as number;
        if (v < (lo[j] as number)) lo[j] = v;
        if (v > (hi[j] as number)) hi[j] = v;
      }
    }
    const [a, b] = this.featureRange;
    this.dataMin = lo;
    this.dataMax = hi;
    // Stored so that transform is (x − shift) / scale: scale = range / (b − a), shift = min − a·scale.
    this.scale = Float64Array.from(lo, (l, j) => ((hi[j] as number) - l === 0 ? 1 : (hi[j] as number) - l) / (b - a));
    this.shift = Float64Array.from(lo, (l, j) => l - a * (this.scale![j] as number));
    return this;
  }

  transform(X: MatrixLike): Matrix {
    if (!this.shift || !this.scale) throw notFitted('MinMaxScaler');
    const m = toMatrix(X);
    checkCols(m, this.shift.length, 'MinMaxScaler');
    return apply(m, this.shift, this.scale, false);
  }

  fitTransform(X: MatrixLike): Matrix {
    return this.fit(X).transform(X);
  }

  inverseTransform(X: MatrixLike): Matrix {
    if (!this.shift || !this.scale) throw notFitted('MinMaxScaler');
    return apply(toMatrix(X), this.shift, this.scale, true);
  }

  toJSON(): Record<string, unknown> {
    if (!this.dataMin || !this.dataMax) throw notFitted('MinMaxScaler');
    return { kind: 'MinMaxScaler', lo: this.featureRange[0], hi: this.featureRange[1], dataMin: f64ToB64(this.dataMin), dataMax: f64ToB64(this.dataMax) };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const o = checkKind(json, 'MinMaxScaler');
    const s = new MinMaxScaler({ featureRange: [num(o, 'lo'), num(o, 'hi')] });
    const lo = b64ToF64(o['dataMin'], 'dataMin');
    const hi = b64ToF64(o['dataMax'], 'dataMax', lo.length);
    const rows = [Array.from(lo), Array.from(hi)];
    return s.fit(rows);
  }
}
