/**
 * Mini-batches over an ImageDataset: optional seeded shuffle each epoch, contiguous batch copies
 * ready for a [b, c·h·w] tensor. Gathering is one typed-array `.set` per sample, so a 128-image
 * batch costs ~100 memcpy's of 3 KB.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { sampleSize, type ImageDataset } from './dataset.js';

export interface Batch {
  /** [size, c·h·w] row-major. */
  x: Float32Array;
  /** [size] class indices. */
  y: Int32Array;
  size: number;
  /** [size] dataset indices of the samples in this batch. */
  indices: Int32Array;
}

export interface BatchOptions {
  /** Shuffle the order (default true). */
  shuffle?: boolean;
  /** Random source for the shuffle; pass the same Rng every epoch for a new order per epoch. */
  rng?: Rng;
  /** Seed of a fresh Rng when `rng` is absent (default 0). */
  seed?: number;
  /** Drop the last batch when smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * Reuse one pair of buffers for every batch (default false). Faster, but each yielded batch
   * is overwritten by the next: copy it if you keep it.
   */
  reuseBuffers?: boolean;
}

/** Number of batches one epoch yields. */
export function numBatches(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Yield the batches of one epoch over `ds`. */
export function* batches(ds: ImageDataset, batchSize: number, opts: BatchOptions = {}): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw invalidArgument(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const n = ds.n;
  const d = sampleSize(ds);
  let order: Int32Array;
  if (opts.shuffle ?? true) {
    order = (opts.rng ?? new Rng(opts.seed ?? 0)).permutation(n);
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const count = numBatches(n, batchSize, opts.dropLast ?? false);
  const reuse = opts.reuseBuffers ?? false;
  const xs = reuse ? new Float32Array(batchSize * d) : undefined;
  const ys = reuse ? new Int32Array(batchSize) : undefined;
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, n - start);
    const indices = order.slice(start, start + size);
    const x = xs ? xs.subarray(0, size * d) : new Float32Array(size * d); // [size, d]
    const y = ys ? ys.subarray(0, size) : new Int32Array(size);
    for (let j = 0; j < size; j++) {
      const i = indices[j] as number;
      x.set(ds.x.subarray(i * d, i * d + d), j * d);
      y[j] = ds.y[i] as number;
    }
    yield { x, y, size, indices };
  }
}
