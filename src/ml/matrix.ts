/**
 * The dense 2-D input every estimator accepts: a row-major Float32Array with its row and column
 * counts. Callers may pass number[][], a 2-D Tensor or a Matrix; `toMatrix` validates once here.
 */
import { LeptonError, invalidArgument } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';

/** Row-major [rows, cols] float32 data. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Anything an estimator takes as X. */
export type MatrixLike = Matrix | Tensor | ArrayLike<number>[];

/** Labels or targets: any numeric array-like. */
export type Labels = ArrayLike<number>;

/** A Matrix from raw data (no copy). */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `matrix: ${data.length} values cannot be [${rows}, ${cols}]`);
  }
  return { data, rows, cols };
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'data' in x && 'rows' in x && 'cols' in x;
}

/** Validate and normalise X. Non-finite values are refused (as sklearn does). */
export function toMatrix(x: MatrixLike, what = 'X'): Matrix {
  let m: Matrix;
  if (x instanceof Tensor) {
    if (x.shape.length !== 2) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${what} must be a 2-D tensor, got shape [${x.shape.join(', ')}]`);
    }
    m = { data: x.data, rows: x.shape[0] as number, cols: x.shape[1] as number };
  } else if (isMatrix(x)) {
    if (!(x.data instanceof Float32Array) || x.data.length !== x.rows * x.cols) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${what}: data length does not match [${x.rows}, ${x.cols}]`);
    }
    m = x;
  } else if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows > 0 ? (x[0] as ArrayLike<number>).length : 0;
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = x[i] as ArrayLike<number>;
      if (!r || r.length !== cols) throw invalidArgument(`${what}: row ${i} has ${r?.length ?? 0} values, expected ${cols}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = r[j] as number;
    }
    m = { data, rows, cols };
  } else {
    throw invalidArgument(`${what} must be number[][], a 2-D Tensor or {data, rows, cols}`);
  }
  if (m.rows < 1 || m.cols < 1) throw invalidArgument(`${what} is empty: [${m.rows}, ${m.cols}]`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) throw invalidArgument(`${what} contains NaN or infinity at row ${Math.floor(i / m.cols)}`);
  }
  return m;
}

/** Validate a label vector against n rows. */
export function toLabels(y: Labels, n: number, what = 'y'): Float64Array {
  if (!y || typeof y.length !== 'number') throw invalidArgument(`${what} must be an array of numbers`);
  if (y.length !== n) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${what} has ${y.length} values for ${n} rows`);
  const out = Float64Array.from(y as ArrayLike<number>);
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) throw invalidArgument(`${what}[${i}] is not a finite number`);
  return out;
}

/** Sorted distinct values and each element's index into them (sklearn's LabelEncoder). */
export function encodeClasses(y: ArrayLike<number>): { classes: number[]; encoded: Int32Array } {
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  const idx = new Map(classes.map((c, i) => [c, i]));
  return { classes, encoded: Int32Array.from(Array.from(y), (v) => idx.get(v) as number) };
}

/** Rows at `indices` as a new Matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r] as number;
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Check that X has the column count an estimator was fitted with. */
export function checkCols(m: Matrix, cols: number, who: string): void {
  if (m.cols !== cols) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${who}: X has ${m.cols} features, the model was fitted with ${cols}`);
  }
}

/** Throw unless the estimator has been fitted. */
export function notFitted(who: string): LeptonError {
  return new LeptonError('LEPTON_ERR_NOT_READY', `${who} is not fitted yet; call fit() first`);
}

/** Check a JSON model blob's kind tag before restoring from it. */
export function checkKind(json: unknown, kind: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || (json as { kind?: unknown }).kind !== kind) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `not a serialised ${kind} model`);
  }
  return json as Record<string, unknown>;
}
