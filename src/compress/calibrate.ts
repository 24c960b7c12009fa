/**
 * Calibration for static int8: run N real samples through the model with every activation exposed,
 * and reduce each tensor's values to a range by min-max or by percentiles (which ignores the rare
 * outliers that would otherwise stretch the scale and waste most of the 256 levels).
 */
import { invalidArgument } from '../core/errors.js';
import { take, type ImageDataset } from '../data/index.js';
import { calibrationModel } from '../onnx/quantize-calib.js';
import { type TensorRange } from '../onnx/quantize-static.js';
import { type Engine } from '../runtime/engine.js';
import { inputDims } from './predict.js';

export type CalibrationMethod = 'minmax' | 'percentile';

export interface CalibrateOptions {
  /** Number of calibration samples (from the start of `ds`). Default 256. */
  samples?: number;
  method?: CalibrationMethod;
  /** Percentile kept on each side for 'percentile' (default 99.99). */
  percentile?: number;
  batchSize?: number;
}

/** Cap on the values kept per tensor for percentiles; beyond it values are strided-subsampled. */
const MAX_KEEP = 1 << 21;

/** Quantile q ∈ [0,1] of a sorted array (linear interpolation). */
export function quantileSorted(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Ranges of the graph input and every float activation, by tensor name. */
export async function calibrate(engine: Engine, modelBytes: Uint8Array, ds: ImageDataset, options: CalibrateOptions = {}): Promise<Record<string, TensorRange>> {
  const n = options.samples ?? 256;
  const method = options.method ?? 'minmax';
  const pct = options.percentile ?? 99.99;
  if (!Number.isInteger(n) || n < 1) throw invalidArgument(`calibration samples must be a positive integer, got ${n}`);
  if (!(pct > 50 && pct <= 100)) throw invalidArgument(`calibration percentile must be in (50, 100], got ${pct}`);
  const data = take(ds, n);
  const { bytes, tensors } = calibrationModel(modelBytes);
  const session = await engine.load(bytes, { threads: 1 });
  const inName = session.inputs[0]!.name;
  const names = [inName, ...tensors];
  const mins = new Map(names.map((t) => [t, Infinity]));
  const maxs = new Map(names.map((t) => [t, -Infinity]));
  const kept = new Map<string, number[]>(names.map((t) => [t, []]));
  const d = data.x.length / Math.max(1, data.n);
  const bs = options.batchSize ?? 64;
  try {
    for (let start = 0; start < data.n; start += bs) {
      const b = Math.min(bs, data.n - start);
      const x = data.x.subarray(start * d, (start + b) * d);
      const out = await session.run({ [inName]: { data: x, dims: inputDims(session, data, b) } });
      for (const name of names) {
        const v = name === inName ? x : out[name]?.data;
        if (!v) continue;
        let lo = mins.get(name)!;
        let hi = maxs.get(name)!;
        for (let i = 0; i < v.length; i++) {
          const a = v[i]!;
          if (a < lo) lo = a;
          if (a > hi) hi = a;
        }
        mins.set(name, lo);
        maxs.set(name, hi);
        if (method === 'percentile') {
          const keep = kept.get(name)!;
          const stride = Math.max(1, Math.ceil((v.length * data.n) / b / MAX_KEEP));
          for (let i = 0; i < v.length; i += stride) keep.push(v[i]!);
        }
      }
    }
  } finally {
    await session.close();
  }
  const ranges: Record<string, TensorRange> = {};
  for (const name of names) {
    const lo = mins.get(name)!;
    const hi = maxs.get(name)!;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
    if (method === 'minmax') {
      ranges[name] = { min: lo, max: hi };
    } else {
      const sorted = Float32Array.from(kept.get(name)!).sort();
      ranges[name] = { min: quantileSorted(sorted, 1 - pct / 100), max: quantileSorted(sorted, pct / 100) };
    }
  }
  return ranges;
}
