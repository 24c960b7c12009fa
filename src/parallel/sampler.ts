/**
 * The distributed sampler: every epoch, one permutation of the dataset drawn from (seed, epoch) —
 * the same on every rank — padded by wrapping around to a multiple of the world size (as
 * PyTorch's DistributedSampler), and dealt out round-robin. Local batch k of every rank together
 * are exactly global batch k of a single process with the same seed, so W ranks with batch B/W
 * each compute the same mean gradient as one rank with batch B.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ImageDataset, sampleSize } from '../data/index.js';
import { type Batch } from '../nn/index.js';
import { checkRank } from './process-group.js';

export interface ShardOptions {
  worldSize: number;
  rank: number;
  seed: number;
}

/** This rank's sample indices for `epoch` (1-based), in order: ceil(n / worldSize) of them. */
export function shardIndices(n: number, epoch: number, o: ShardOptions): Int32Array {
  checkRank(o.rank, o.worldSize);
  if (n < 1) throw invalidArgument('the training set is empty');
  // A fresh generator per epoch: any rank can compute any epoch's order without replaying the others.
  const perm = new Rng((o.seed * 1_000_003 + epoch * 7919 + 1) >>> 0).permutation(n);
  const per = Math.ceil(n / o.worldSize);
  const out = new Int32Array(per);
  for (let j = 0; j < per; j++) out[j] = perm[(j * o.worldSize + o.rank) % n]!;
  return out;
}

/** Batches of one rank per epoch; `globalBatch` must be a multiple of the world size. */
export function localBatchSize(globalBatch: number, worldSize: number): number {
  if (!Number.isInteger(globalBatch) || globalBatch < 1) throw invalidArgument(`batch size must be a positive integer, got ${globalBatch}`);
  if (globalBatch % worldSize !== 0) {
    throw invalidArgument(`the global batch size ${globalBatch} must be a multiple of the number of ranks (${worldSize}), so every rank gets an equal share`);
  }
  return globalBatch / worldSize;
}

/** Mini-batches per epoch on every rank. */
export function shardBatches(n: number, globalBatch: number, worldSize: number): number {
  return Math.ceil(Math.ceil(n / worldSize) / localBatchSize(globalBatch, worldSize));
}

/**
 * One epoch of this rank's batches over `ds`. Buffers are reused: a batch is overwritten by the
 * next. `transform` may rewrite x in place (augmentation).
 */
export function* shardedBatches(ds: ImageDataset, globalBatch: number, epoch: number, o: ShardOptions, transform?: (x: Float32Array) => void): Generator<Batch> {
  const local = localBatchSize(globalBatch, o.worldSize);
  const idx = shardIndices(ds.n, epoch, o);
  const d = sampleSize(ds);
  const xs = new Float32Array(local * d); // [local, d]
  const ys = new Int32Array(local);
  for (let start = 0; start < idx.length; start += local) {
    const size = Math.min(local, idx.length - start);
    const x = xs.subarray(0, size * d);
    const y = ys.subarray(0, size);
    for (let j = 0; j < size; j++) {
      const i = idx[start + j]!;
      x.set(ds.x.subarray(i * d, i * d + d), j * d);
      y[j] = ds.y[i]!;
    }
    transform?.(x);
    yield { x, y, size };
  }
}
