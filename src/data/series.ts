/**
 * Time series for forecasting: one numeric column of a CSV in row order, cut into sliding windows
 * (W past values → the next K), split so the test windows forecast only the held-out tail. Windows
 * are shift-invariant (deviations from the window's fitted line and last value, divided by one scale
 * from the training part), so a trending series never asks a model for levels it has not seen, and the
 * targets are what remains after a linear base forecast (see ForecastBase). Also the two
 * baselines a forecast must beat: seasonal-naive and a least-squares linear autoregression.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { LeptonError, invalidArgument } from '../core/errors.js';

/** The values of `column`, in file order; rows whose cell is empty or not a number are an error. */
export function readSeries(path: string, column: string): Float64Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `cannot read series ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rows = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  const header = rows[0] ?? [];
  const c = header.indexOf(column);
  if (c < 0) throw new LeptonError('LEPTON_ERR_CSV', `${path}: no column ${JSON.stringify(column)}; columns: ${header.join(', ')}`);
  const out = new Float64Array(rows.length - 1);
  for (let i = 1; i < rows.length; i++) {
    const v = Number(rows[i]![c] ?? '');
    if (rows[i]![c] === '' || !Number.isFinite(v)) throw new LeptonError('LEPTON_ERR_CSV', `${path}: line ${i + 1}, column ${column}: ${JSON.stringify(rows[i]![c])} is not a number`);
    out[i - 1] = v;
  }
  return out;
}

/** Input features per step (see Windows.x). */
export const FEATURES = 2;

/** Windows ending at `origins` (index of each window's last input value). */
export interface Windows {
  /** [M, W, 2] inputs per step: the deviation from the window's fitted line and from its last value, both / scale. */
  x: Float32Array;
  /** [M, K] normalised targets. */
  y: Float32Array;
  origins: Int32Array;
  m: number;
}

export interface SeriesSplit {
  window: number;
  horizon: number;
  /** First index of the held-out tail. */
  cut: number;
  /** Divides level offsets: the std of one-step changes in the training part. */
  scale: number;
  /** What the network's targets are measured from (see ForecastBase). */
  base: ForecastBase;
  /** [W + 1, K]: base_k = Σ_i window_i · m[i, k] + m[W, k], the base as a linear map (intercept last). */
  baseMap: Float64Array;
  train: Windows;
  test: Windows;
}

/**
 * Weight of input i in the least-squares line through a window of W values, evaluated at position
 * j (j ≥ W extrapolates): 1/W + (j − m)(i − m)/S with m the mean position and S = Σ(i − m)².
 */
export function lineWeight(W: number, j: number, i: number): number {
  const m = (W - 1) / 2;
  const S = (W * (W * W - 1)) / 12;
  return 1 / W + (W > 1 ? ((j - m) * (i - m)) / S : 0);
}

/** Apply a [W + 1, K] linear map (intercept last) to the window ending at o. */
function applyMap(v: Float64Array, o: number, W: number, K: number, map: Float64Array, k: number): number {
  let b = map[W * K + k]!;
  for (let i = 0; i < W; i++) b += map[i * K + k]! * v[o - W + 1 + i]!;
  return b;
}

function windowsAt(v: Float64Array, origins: number[], W: number, K: number, scale: number, baseMap: Float64Array): Windows {
  const m = origins.length;
  const x = new Float32Array(m * W * FEATURES);
  const y = new Float32Array(m * K);
  origins.forEach((o, i) => {
    for (let j = 0; j < W; j++) {
      let line = 0;
      for (let q = 0; q < W; q++) line += lineWeight(W, j, q) * v[o - W + 1 + q]!;
      const val = v[o - W + 1 + j]!;
      x[(i * W + j) * FEATURES] = (val - line) / scale;
      x[(i * W + j) * FEATURES + 1] = (val - v[o]!) / scale;
    }
    for (let k = 0; k < K; k++) y[i * K + k] = (v[o + 1 + k]! - applyMap(v, o, W, K, baseMap, k)) / scale;
  });
  return { x, y, origins: Int32Array.from(origins), m };
}

/**
 * The base the network's forecast is added to: 'ar' the least-squares linear autoregression (so the
 * network learns what the linear model misses), 'line' the window's fitted line extended, 'last'
 * the window's last value.
 */
export type ForecastBase = 'ar' | 'line' | 'last';

function baseMapOf(base: ForecastBase, v: Float64Array, trainOrigins: readonly number[], W: number, K: number): Float64Array {
  if (base === 'ar') return fitLinearAR(v, trainOrigins, W, K);
  const map = new Float64Array((W + 1) * K);
  for (let i = 0; i < W; i++) for (let k = 0; k < K; k++) map[i * K + k] = base === 'line' ? lineWeight(W, W + k, i) : i === W - 1 ? 1 : 0;
  return map;
}

/**
 * Train windows forecast only values before the tail; test windows forecast only tail values
 * (their inputs may reach back into the training part, as a forecast made at that time would).
 */
export function splitSeries(v: Float64Array, window: number, horizon: number, testFraction = 0.2, base: ForecastBase = 'ar'): SeriesSplit {
  for (const [n, what] of [[window, 'window'], [horizon, 'horizon']] as const) if (!Number.isInteger(n) || n < 1) throw invalidArgument(`${what} must be a positive integer, got ${n}`);
  if (!(testFraction > 0 && testFraction < 1)) throw invalidArgument(`test fraction must be in (0, 1), got ${testFraction}`);
  const cut = Math.floor(v.length * (1 - testFraction));
  const trainOrigins: number[] = [];
  const testOrigins: number[] = [];
  for (let o = window - 1; o + horizon < v.length; o++) {
    if (o + horizon < cut) trainOrigins.push(o);
    else if (o + 1 >= cut) testOrigins.push(o);
  }
  if (trainOrigins.length < 2 || testOrigins.length < 1) {
    throw invalidArgument(`series of ${v.length} values is too short for window ${window} and horizon ${horizon} with a ${Math.round(testFraction * 100)}% test tail`);
  }
  let s = 0;
  for (let i = 1; i < cut; i++) s += (v[i]! - v[i - 1]!) ** 2;
  const scale = Math.sqrt(s / Math.max(1, cut - 1)) || 1;
  const baseMap = baseMapOf(base, v, trainOrigins, window, horizon);
  const at = (origins: number[]) => windowsAt(v, origins, window, horizon, scale, baseMap);
  return { window, horizon, cut, scale, base, baseMap, train: at(trainOrigins), test: at(testOrigins) };
}

/** [M, K] level forecasts from normalised ones: ŷ·scale + each target's base value. */
export function denormalise(v: Float64Array, s: SeriesSplit, w: Windows, yn: ArrayLike<number>): Float64Array {
  const K = s.horizon;
  const out = new Float64Array(w.m * K);
  for (let i = 0; i < w.m; i++) for (let k = 0; k < K; k++) out[i * K + k] = yn[i * K + k]! * s.scale + applyMap(v, w.origins[i]!, s.window, K, s.baseMap, k);
  return out;
}

/** The true values the windows forecast, [M, K]. */
export function actuals(v: Float64Array, horizon: number, w: Windows): Float64Array {
  const out = new Float64Array(w.m * horizon);
  for (let i = 0; i < w.m; i++) for (let k = 0; k < horizon; k++) out[i * horizon + k] = v[w.origins[i]! + 1 + k]!;
  return out;
}

/** Seasonal naive: the value one season (`period` steps, repeated as needed) before each target. */
export function seasonalNaive(v: Float64Array, horizon: number, w: Windows, period: number): Float64Array {
  const out = new Float64Array(w.m * horizon);
  for (let i = 0; i < w.m; i++) {
    for (let k = 0; k < horizon; k++) {
      const target = w.origins[i]! + 1 + k;
      out[i * horizon + k] = v[target - period * Math.ceil((k + 1) / period)]!;
    }
  }
  return out;
}

/**
 * Linear autoregression fitted by least squares on the training windows: each horizon step is a
 * linear function of the W raw past values plus an intercept (direct multi-step forecasting).
 * Returns the [W + 1, K] map (intercept last). A tiny ridge term keeps the normal equations
 * solvable when lags are collinear.
 */
export function fitLinearAR(v: Float64Array, origins: readonly number[], W: number, K: number): Float64Array {
  const P = W + 1;
  const feats = (o: number, j: number) => (j === W ? 1 : v[o - W + 1 + j]!);
  const A = new Float64Array(P * P);
  const B = new Float64Array(P * K);
  for (const o of origins) {
    for (let a = 0; a < P; a++) {
      const fa = feats(o, a);
      for (let b = 0; b < P; b++) A[a * P + b]! += fa * feats(o, b);
      for (let k = 0; k < K; k++) B[a * K + k]! += fa * v[o + 1 + k]!;
    }
  }
  let tr = 0;
  for (let a = 0; a < P; a++) tr += A[a * P + a]!;
  for (let a = 0; a < W; a++) A[a * P + a]! += 1e-8 * (tr / P);
  return solve(A, B, P, K);
}

/** The linear-AR baseline's forecasts for windows `w`, fitted on the split's training windows. */
export function linearAR(v: Float64Array, s: SeriesSplit): (w: Windows) => Float64Array {
  const coef = fitLinearAR(v, Array.from(s.train.origins), s.window, s.horizon);
  return (w) => {
    const out = new Float64Array(w.m * s.horizon);
    for (let i = 0; i < w.m; i++) for (let k = 0; k < s.horizon; k++) out[i * s.horizon + k] = applyMap(v, w.origins[i]!, s.window, s.horizon, coef, k);
    return out;
  };
}

/** Solve A X = B (A [P, P] symmetric positive definite, B [P, K]) by Gaussian elimination with pivoting. */
function solve(A: Float64Array, B: Float64Array, P: number, K: number): Float64Array {
  const a = A.slice();
  const b = B.slice();
  for (let c = 0; c < P; c++) {
    let piv = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(a[r * P + c]!) > Math.abs(a[piv * P + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < P; j++) [a[c * P + j], a[piv * P + j]] = [a[piv * P + j]!, a[c * P + j]!];
      for (let j = 0; j < K; j++) [b[c * K + j], b[piv * K + j]] = [b[piv * K + j]!, b[c * K + j]!];
    }
    const d = a[c * P + c]!;
    if (Math.abs(d) < 1e-300) throw invalidArgument('linear AR: the lagged values are degenerate (constant series?)');
    for (let r = c + 1; r < P; r++) {
      const f = a[r * P + c]! / d;
      if (f === 0) continue;
      for (let j = c; j < P; j++) a[r * P + j]! -= f * a[c * P + j]!;
      for (let j = 0; j < K; j++) b[r * K + j]! -= f * b[c * K + j]!;
    }
  }
  const x = new Float64Array(P * K);
  for (let r = P - 1; r >= 0; r--) {
    for (let j = 0; j < K; j++) {
      let s = b[r * K + j]!;
      for (let c = r + 1; c < P; c++) s -= a[r * P + c]! * x[c * K + j]!;
      x[r * K + j] = s / a[r * P + r]!;
    }
  }
  return x;
}

export interface ForecastErrors {
  mae: number;
  rmse: number;
}

export function forecastErrors(pred: ArrayLike<number>, truth: ArrayLike<number>): ForecastErrors {
  let a = 0;
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    const d = pred[i]! - truth[i]!;
    a += Math.abs(d);
    s += d * d;
  }
  return { mae: a / truth.length, rmse: Math.sqrt(s / truth.length) };
}
