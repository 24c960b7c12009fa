/**
 * One rank's training run, the same on every transport and world size: rank 0's weights go to
 * everyone, each rank trains on its shard of every global batch, gradients are averaged (and, under
 * mixed precision, unscaled and checked) before each optimizer step, rank 0 evaluates and shares its
 * metrics so every rank takes the same early-stopping decision.
 */
import { Rng } from '../core/rng.js';
import { type ImageDataset, batches, sampleSize } from '../data/index.js';
import { type FitOptions, type FitResult, type LRScheduler, type Module, type Optimizer, type ParamsOrGroups, fitAsync } from '../nn/index.js';
import { DataParallel, syncEpochMetrics } from './data-parallel.js';
import { MixedPrecision, type Precision } from './mixed-precision.js';
import { type ProcessGroup, partRange } from './process-group.js';
import { shardBatches, shardedBatches } from './sampler.js';

export interface DataParallelFitOptions extends Omit<FitOptions, 'train' | 'optimizer' | 'scheduler' | 'hooks' | 'batchesPerEpoch'> {
  group: ProcessGroup;
  train: ImageDataset;
  /** Samples per optimizer step over all ranks (each rank takes globalBatch / worldSize). */
  globalBatch: number;
  /** Seed of the per-epoch shuffle (shared by all ranks) and of each rank's augmentation. */
  seed: number;
  /** Rewrite a batch x [size, …] in place (augmentation), drawing from this rank's generator. */
  augment?: (x: Float32Array, rng: Rng) => void;
  /** Default fp32. */
  precision?: Precision;
  /** Build the optimizer over these parameters (the fp32 master copies under mixed precision). */
  optimizer: (params: ParamsOrGroups) => Optimizer;
  scheduler?: (optimizer: Optimizer) => LRScheduler | undefined;
  /** Parameters or parameter groups to optimise (default: all of the model's). */
  params?: ParamsOrGroups;
  bucketBytes?: number;
  /** Launch gradient all-reduces during backward (default: tcp yes, threads no; see DataParallel). */
  overlap?: boolean;
  /**
   * Evaluate on this set after each epoch, each rank on its contiguous 1/W of it, the metrics summed
   * over the ranks (instead of `test`, which rank 0 alone evaluates while the others wait).
   */
  testSet?: ImageDataset;
}

export interface DataParallelFitResult extends FitResult {
  optimizer: Optimizer;
  /** Mixed precision: bytes of 16-bit layer inputs stored in the last step, steps skipped on inf/NaN, final loss scale. */
  activationBytes?: number;
  skippedSteps?: number;
  lossScale?: number;
}

export async function fitDataParallel(model: Module, o: DataParallelFitOptions): Promise<DataParallelFitResult> {
  const { group, train, globalBatch, seed, augment, precision = 'fp32', bucketBytes, overlap, params, optimizer: makeOptimizer, scheduler: makeScheduler, test, testSet, progress, ...rest } = o;
  const dp = new DataParallel(model, group, { ...(bucketBytes !== undefined && { bucketBytes }), ...(overlap !== undefined && { overlap }) });
  await dp.broadcastState();
  const mp = precision === 'fp32' ? null : new MixedPrecision(model, precision);
  const base = params ?? model.parameters();
  const optimizer = makeOptimizer(mp ? mp.masterParams(base) : base);
  const scheduler = makeScheduler?.(optimizer);
  const hooks = mp ? mp.hooks(() => dp.allReduceGradients()) : dp.hooks();
  const shard = testSet && testShard(testSet, group);
  hooks.syncEpoch = (m, local) => syncEpochMetrics(group, m, local, shard?.n);
  const shardOpts = { worldSize: group.worldSize, rank: group.rank, seed };
  const augRng = new Rng(seed + 2 + 7919 * group.rank);
  const transform = augment ? (x: Float32Array) => augment(x, augRng) : undefined;
  const result = await fitAsync(mp ? mp.model : model, {
    ...rest,
    train: (epoch) => shardedBatches(train, globalBatch, epoch, shardOpts, transform),
    batchesPerEpoch: shardBatches(train.n, globalBatch, group.worldSize),
    ...(shard ? { test: () => batches(shard, 1000, { shuffle: false, reuseBuffers: true }) } : group.rank === 0 && test && { test }),
    ...(group.rank === 0 && progress && { progress }),
    optimizer,
    ...(scheduler && { scheduler }),
    hooks,
  });
  mp?.finish();
  return {
    ...result,
    optimizer,
    ...(mp && { activationBytes: mp.model.lastActivationBytes, skippedSteps: mp.scaler?.skipped ?? 0, lossScale: mp.scaler?.scale ?? 1 }),
  };
}

/** This rank's contiguous part of the test set (a view, not a copy). */
function testShard(ds: ImageDataset, group: ProcessGroup): ImageDataset {
  const [a, b] = partRange(ds.n, group.worldSize, group.rank);
  const d = sampleSize(ds);
  return { ...ds, n: b - a, x: ds.x.subarray(a * d, b * d), y: ds.y.subarray(a, b) };
}
