/**
 * The /predict semantics, independent of HTTP: turn a scanned tensor, a binary float32 body or a
 * decoded image into a feed of the model's shape, and turn outputs into {index, label, score} rows.
 */
import { LeptonError } from '../core/errors.js';
import { type EngineTensor, type TensorInfo } from '../runtime/engine.js';
import { rowSize, type Feed, type Outputs } from './model-runner.js';

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

/** The header a client (or the gateway, forwarding what is left of the budget) sets a shorter deadline with. */
export const TIMEOUT_HEADER = 'x-lepton-timeout-ms';

/** Set on every prediction: the rows of the engine run (the batch) that computed it; the gateway's request log shows it. */
export const BATCH_HEADER = 'x-lepton-batch-size';

/**
 * A request's deadline at the model server, ms: `x-lepton-timeout-ms` when given (a positive
 * integer, else 400), never more than the photon's own deadline `max` (the gateway's default budget
 * may be longer than a photon's, so a larger value is capped, not refused); else `max`.
 */
export function requestTimeoutMs(headers: Record<string, string | string[] | undefined>, max: number): number {
  const raw = headers[TIMEOUT_HEADER];
  if (raw === undefined) return max;
  const asked = typeof raw === 'string' && /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(asked >= 1)) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `${TIMEOUT_HEADER} must be a whole number of milliseconds, at least 1`, { details: { header: TIMEOUT_HEADER } });
  }
  return Math.min(asked, max);
}

/** Largest number of rows one request may carry (more is a batch job, not a request). */
export const MAX_ROWS_PER_REQUEST = 4096;

/**
 * Shape `data` for `input`: accepts [rows, ...fixed dims], or rows of flat values whose length is
 * the per-row element count (a 784-vector for a [N,1,28,28] model), or one flat row.
 */
export function feedFor(input: TensorInfo, data: Float32Array, dims: number[]): Feed {
  const per = rowSize(input);
  const fixed = input.shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : -1));
  const expected = `[rows, ${fixed.map((d) => (d < 0 ? '?' : d)).join(', ')}]`;
  let rows: number;
  if (dims.length === input.shape.length && dims.slice(1).every((d, i) => fixed[i] === -1 || fixed[i] === d)) {
    rows = dims[0]!;
  } else if (per !== undefined && dims.length >= 1) {
    const inner = dims.length === 1 ? data.length : dims.slice(1).reduce((a, b) => a * b, 1);
    if (inner !== per) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${input.name}' needs ${per} values per row (shape ${expected}), got ${inner}`, {
        details: { expected: input.shape, got: dims },
      });
    }
    rows = dims.length === 1 ? 1 : dims[0]!;
  } else {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${input.name}' expects shape ${expected}, got [${dims.join(', ')}]`, {
      details: { expected: input.shape, got: dims },
    });
  }
  if (rows < 1) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${input.name}' has no rows`);
  if (rows > MAX_ROWS_PER_REQUEST) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `at most ${MAX_ROWS_PER_REQUEST} rows per request, got ${rows}`);
  const shape = fixed.every((d) => d > 0) ? fixed : dims.slice(1);
  return { [input.name]: { data, dims: [rows, ...shape] } };
}

/** A binary body: little-endian float32 rows. */
export function feedFromBinary(input: TensorInfo, body: Buffer): Feed {
  const per = rowSize(input);
  if (per === undefined) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'binary bodies need a model input with fixed per-row dims');
  if (body.length === 0 || body.length % (4 * per) !== 0) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `a binary body must be a whole number of rows of ${per} float32 values (${4 * per} bytes each), got ${body.length} bytes`);
  }
  const data = new Float32Array(body.length / 4);
  new Uint8Array(data.buffer).set(body); // copy: the Buffer may be unaligned
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `value ${i} of the binary body is not finite`);
  }
  return feedFor(input, data, [data.length / per, per]);
}

/** Probabilities for one row: used as-is when they already form a distribution, else softmax. */
function rowScores(row: Float32Array): Float32Array {
  let sum = 0;
  let inRange = true;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    sum += v;
    if (v < 0 || v > 1) inRange = false;
  }
  if (inRange && Math.abs(sum - 1) < 1e-3) return row;
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const out = new Float32Array(row.length);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i] = out[i]! / z;
  return out;
}

/** Argmax predictions from the first output ([rows, classes]). */
export function predictions(out: EngineTensor, labels: readonly string[] | undefined): Prediction[] {
  const rows = out.dims.length > 1 ? out.dims[0]! : 1;
  const classes = rows === 0 ? 0 : out.data.length / rows;
  const result: Prediction[] = [];
  for (let r = 0; r < rows; r++) {
    const row = out.data.subarray(r * classes, (r + 1) * classes);
    if (classes === 1) {
      result.push({ index: 0, label: labels?.[0] ?? '0', score: row[0]! });
      continue;
    }
    const p = rowScores(row);
    let best = 0;
    for (let i = 1; i < classes; i++) if (p[i]! > p[best]!) best = i;
    result.push({ index: best, label: labels?.[best] ?? String(best), score: p[best]! });
  }
  return result;
}

/** Raw outputs as plain JSON ({dims, data}). */
export function rawOutputs(outputs: Outputs): Record<string, { dims: number[]; data: number[] }> {
  const r: Record<string, { dims: number[]; data: number[] }> = {};
  for (const [name, t] of Object.entries(outputs)) r[name] = { dims: t.dims, data: Array.from(t.data) };
  return r;
}
