/** Layer 3 parallel: process groups (threads, tcp), data-parallel training, mixed precision. */
export * from './process-group.js';
export { ThreadGroup, createThreadGroupShared, abortThreadGroup, type ThreadGroupShared } from './thread-group.js';
export { launchThreads, launchThreadsSettled, runThreadRank, type LaunchThreadsOptions, type RankOutcome } from './threads-launch.js';
export { TcpGroup, connectTcpGroup, type TcpGroupOptions } from './tcp-group.js';
export { checkSecret, MIN_SECRET_BYTES } from './tcp-auth.js';
export { shardIndices, shardedBatches, shardBatches, localBatchSize, type ShardOptions } from './sampler.js';
export { DataParallel, flatten, unflatten, syncEpochMetrics, type DataParallelOptions } from './data-parallel.js';
export { fitDataParallel, type DataParallelFitOptions, type DataParallelFitResult } from './fit-data-parallel.js';
export { MixedPrecision, PRECISIONS, isPrecision, type Precision, type MixedPrecisionOptions } from './mixed-precision.js';
export { HalfActivationModel } from './half-model.js';
export { GradScaler, type GradScalerOptions } from './grad-scaler.js';
export { toHalf, fromHalf, roundHalf, halfConverter, jsHalf, wasmHalf, type HalfFormat, type HalfConverter } from './half.js';
