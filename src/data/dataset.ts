/**
 * The in-memory image dataset every loader returns and every trainer consumes, plus small helpers
 * to validate, slice and subset it. Pixels are float32 in [0, 1], laid out [n, c, h, w].
 */
import { LeptonError, invalidArgument } from '../core/errors.js';

export interface ImageDataset {
  name: string;
  /** [n, c, h, w] row-major, scaled to [0, 1]. Treat as read-only: loaders cache and share it. */
  x: Float32Array;
  /** [n] class indices in [0, numClasses). */
  y: Int32Array;
  n: number;
  shape: [c: number, h: number, w: number];
  numClasses: number;
  /** Human-readable class names, length numClasses. */
  labels: string[];
}

export interface DatasetSplit {
  train: ImageDataset;
  test: ImageDataset;
}

/** Values per sample: c·h·w. */
export function sampleSize(ds: Pick<ImageDataset, 'shape'>): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/**
 * Check an ImageDataset's internal consistency (lengths, label range). Loaders call it so a bad
 * file is reported where it is read, not as a NaN loss three epochs later.
 */
export function validateImageDataset(ds: ImageDataset): void {
  const bad = (m: string): LeptonError => new LeptonError('LEPTON_ERR_CORRUPT_FILE', `dataset ${ds.name}: ${m}`);
  const [c, h, w] = ds.shape;
  if (![c, h, w].every((v) => Number.isInteger(v) && v > 0)) throw bad(`invalid shape [${ds.shape.join(', ')}]`);
  if (!Number.isInteger(ds.n) || ds.n < 0) throw bad(`invalid sample count ${ds.n}`);
  if (ds.x.length !== ds.n * c * h * w) throw bad(`x has ${ds.x.length} values, expected ${ds.n}×${c}×${h}×${w}`);
  if (ds.y.length !== ds.n) throw bad(`y has ${ds.y.length} labels for ${ds.n} samples`);
  if (ds.labels.length !== ds.numClasses) throw bad(`${ds.labels.length} class names for ${ds.numClasses} classes`);
  for (let i = 0; i < ds.n; i++) {
    const v = ds.y[i] as number;
    if (v < 0 || v >= ds.numClasses) throw bad(`label ${v} of sample ${i} is outside [0, ${ds.numClasses})`);
  }
}

/** A new dataset holding copies of the samples at `indices`, in that order. */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  const d = sampleSize(ds);
  const m = indices.length;
  const x = new Float32Array(m * d); // [m, c, h, w]
  const y = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const i = indices[j] as number;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw invalidArgument(`subset: index ${i} at position ${j} is outside [0, ${ds.n})`);
    }
    x.set(ds.x.subarray(i * d, (i + 1) * d), j * d);
    y[j] = ds.y[i] as number;
  }
  return { ...ds, name, x, y, n: m, shape: [...ds.shape], labels: [...ds.labels] };
}

/** The first `n` samples (or all, if fewer). Shares memory with `ds` (subarray views, no copy). */
export function take(ds: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`take: n must be a non-negative integer, got ${n}`);
  const m = Math.min(n, ds.n);
  const d = sampleSize(ds);
  return { ...ds, x: ds.x.subarray(0, m * d), y: ds.y.subarray(0, m), n: m, shape: [...ds.shape] };
}

/** Number of samples per class, length numClasses. */
export function classCounts(ds: ImageDataset): Int32Array {
  const counts = new Int32Array(ds.numClasses);
  for (let i = 0; i < ds.n; i++) counts[ds.y[i] as number]! += 1;
  return counts;
}
