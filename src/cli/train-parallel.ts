/**
 * `lep train` across ranks, and in 16-bit precision: --workers N runs N worker threads on the
 * threads transport (the dataset shared, not copied); --nnodes N --node-rank R --master HOST:PORT
 * (or WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT, read by the command) runs this process as one rank
 * on the tcp transport; --precision alone trains in this process. Every rank runs the same
 * trainRank; rank 0 writes model.onnx, model.safetensors and metrics.json.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { batches, augmentBatch, type DatasetSplit, type ImageDataset } from '../data/index.js';
import { buildModule, isArchName, namedArch } from '../nn/index.js';
import { Rng } from '../core/rng.js';
import { exportOnnx } from '../onnx/export.js';
import { graphCost } from '../onnx/flops.js';
import {
  type Precision, type ProcessGroup, type DataParallelFitResult, PRECISIONS, checkSecret, connectTcpGroup, fitDataParallel, isPrecision, launchThreads,
  localBatchSize, soloGroup,
} from '../parallel/index.js';
import { registerBackend } from '../tensor/index.js';
import { createWasmKernels } from '../tensor/kernels/wasm.js';
import { loadWasmKernels } from '../tensor/wasm/loader.js';
import {
  AUGMENT, checkWritable, makeOptimizer, makeScheduler, prepareTrainJob, resolveTrainOptions, writeTrainResults, loadSplit,
  type PreparedTrainJob, type TrainJobOptions, type TrainJobResult, type TrainMetrics,
} from './train-job.js';

export type ParallelSetup =
  | { transport: 'single' }
  | { transport: 'threads'; workers: number; /** Chosen by default (no --workers), not asked for. */ auto?: boolean }
  | { transport: 'tcp'; worldSize: number; rank: number; masterAddr: string; masterPort: number; secret: string };

export interface ParallelTrainJobOptions extends TrainJobOptions {
  parallel: ParallelSetup;
  /** Default fp32. */
  precision?: Precision;
}

export interface ParallelTrainJobResult {
  rank: number;
  worldSize: number;
  /** Test accuracy of the final weights (rank 0 evaluates and shares it). */
  accuracy: number;
  epochsRun: number;
  /** Rank 0 only: what metrics.json holds, and the files it wrote. */
  metrics: TrainMetrics | null;
  files: TrainJobResult['files'] | null;
}

/** What rank 0 sends back from a worker thread: the trained state and the run's summary. */
interface RankResult {
  state: Array<[string, Float32Array]>;
  result: Omit<DataParallelFitResult, 'optimizer'>;
  groups: ReturnType<DataParallelFitResult['optimizer']['groupSummary']>;
}

type Options = Omit<ParallelTrainJobOptions, 'progress'>;

/** Longest wait in one collective: long enough for rank 0's evaluation of a test set, which the others wait out. */
const COLLECTIVE_TIMEOUT_MS = 600_000;

/** One rank's run: rendezvous done, data at hand. */
export async function trainRank(o: Options, p: PreparedTrainJob, group: ProcessGroup, progress: ProgressSink): Promise<DataParallelFitResult> {
  const { r, split, arch } = p;
  const aug = r.augment ? AUGMENT[o.dataset] : undefined;
  const shape = split.train.shape;
  return fitDataParallel(p.model, {
    group,
    train: split.train,
    globalBatch: r.batchSize,
    seed: r.seed,
    ...(aug && { augment: (x: Float32Array, rng) => augmentBatch(x, shape, aug, rng, x) }),
    precision: o.precision ?? 'fp32',
    optimizer: (params) => makeOptimizer(r.optimizer, params, r.lr, o.weightDecay ?? 0),
    scheduler: (opt) => makeScheduler(o.schedule, opt, r.epochs),
    params: p.params,
    epochs: r.epochs,
    testSet: split.test, // every rank evaluates its share of the test set
    ...bucketFromEnv(process.env),
    inputShape: arch.inputShape,
    ...(o.labelSmoothing !== undefined && { labelSmoothing: o.labelSmoothing }),
    ...(o.patience !== undefined && { earlyStopping: { patience: o.patience } }),
    ...(r.ema > 0 && { ema: r.ema }),
    progress,
  });
}

/** LEPTON_BUCKET_MB: the gradient bucket size (DDP's bucket_cap_mb; default 1 MiB). */
export function bucketFromEnv(env: Readonly<Record<string, string | undefined>>): { bucketBytes?: number } {
  const v = env['LEPTON_BUCKET_MB'];
  if (v === undefined || v === '') return {};
  const mb = Number(v);
  if (!(mb > 0 && Number.isFinite(mb))) throw invalidArgument(`LEPTON_BUCKET_MB must be a positive number of MiB, got ${JSON.stringify(v)}`);
  return { bucketBytes: Math.max(4, Math.round(mb * 2 ** 20)) };
}

/** What every rank must agree on: the model and every setting that changes the arithmetic. */
export function jobSignature(o: Options, p: PreparedTrainJob, worldSize: number): string {
  const shapes = p.model.namedParameters().map(([n, t]) => [n, t.shape]);
  const job = [p.arch.model, shapes, o.dataset, p.split.train.n, p.r, o.precision ?? 'fp32', o.weightDecay ?? 0, o.schedule ?? 'none', o.labelSmoothing ?? 0, worldSize, bucketFromEnv(process.env).bucketBytes ?? 0];
  return createHash('sha256').update(JSON.stringify(job)).digest('hex').slice(0, 16);
}

function extras(o: Options, p: PreparedTrainJob, transport: ParallelSetup['transport'], worldSize: number, res: Omit<DataParallelFitResult, 'optimizer'>): Partial<TrainMetrics> {
  const precision = o.precision ?? 'fp32';
  const auto = o.parallel.transport === 'threads' && o.parallel.auto === true;
  return {
    parallel: { transport, world_size: worldSize, global_batch: p.r.batchSize, local_batch: p.r.batchSize / worldSize, ...(auto && { auto }) },
    ...(precision !== 'fp32' && {
      mixed_precision: { precision, activation_bytes: res.activationBytes ?? 0, skipped_steps: res.skippedSteps ?? 0, loss_scale: res.lossScale ?? 1 },
    }),
  };
}

/** A copy of the dataset in shared memory, so worker threads read it without each holding one. */
export function shared(ds: ImageDataset): ImageDataset {
  const x = new Float32Array(new SharedArrayBuffer(ds.x.byteLength));
  x.set(ds.x);
  const y = new Int32Array(new SharedArrayBuffer(ds.y.byteLength));
  y.set(ds.y);
  return { ...ds, x, y };
}

/** Threads of the wasm GEMM and convolution kernels in this process (1 or 2). */
export function setKernelThreads(threads: number): void {
  if (threads !== 1 && threads !== 2) throw invalidArgument(`--kernel-threads must be 1 or 2, got ${threads}`);
  const w = loadWasmKernels();
  if (w) registerBackend(createWasmKernels(w, { threads }), true);
}

/**
 * Sends progress to the launching thread, which forwards it to the real sink: at most every
 * `everyMs` (each message wakes the main thread, which takes a core from a rank for a moment and
 * makes the other rank wait at the next barrier), and always an epoch's last update and its finish.
 */
export function relayProgress(post: (m: unknown) => void, everyMs = 250): ProgressSink {
  let last = -Infinity;
  return {
    update: (done, total, info) => {
      const now = performance.now();
      if (now - last < everyMs && done < total) return;
      last = now;
      post({ progress: 'update', done, total, info });
    },
    finish: (line) => post({ progress: 'finish', line }),
  };
}

/** Run a parallel (or mixed-precision) training job per `o.parallel`. */
export async function runParallelTrainJob(o: ParallelTrainJobOptions): Promise<ParallelTrainJobResult> {
  const r = resolveTrainOptions(o);
  const setup = o.parallel;
  const worldSize = setup.transport === 'threads' ? setup.workers : setup.transport === 'tcp' ? setup.worldSize : 1;
  localBatchSize(r.batchSize, worldSize); // a batch that does not split evenly fails before any data loads
  const { progress = noProgress, ...opts } = o;
  const rank = setup.transport === 'tcp' ? setup.rank : 0;
  if (rank === 0) checkWritable(o.outDir);
  if (setup.transport === 'threads') return runThreads(opts, setup.workers, progress);
  const p = prepareTrainJob(opts);
  const group =
    setup.transport === 'tcp'
      ? // Generous timeouts: ranks wait in a collective while rank 0 evaluates; a dead rank is noticed at once anyway.
        await connectTcpGroup({ ...setup, signature: jobSignature(opts, p, worldSize), timeoutMs: 300_000, collectiveTimeoutMs: COLLECTIVE_TIMEOUT_MS })
      : soloGroup();
  try {
    const res = await trainRank(opts, p, group, progress);
    await group.barrier(); // nobody leaves (closing its sockets) while another rank still needs it
    const done = { rank, worldSize, accuracy: res.accuracy, epochsRun: res.epochsRun };
    if (rank !== 0) return { ...done, metrics: null, files: null };
    const { metrics, files } = writeTrainResults(opts, p, res, res.optimizer.groupSummary(), extras(opts, p, setup.transport, worldSize, res));
    return { ...done, metrics, files };
  } finally {
    await group.close();
  }
}

async function runThreads(o: Options, workers: number, progress: ProgressSink): Promise<ParallelTrainJobResult> {
  if (!Number.isInteger(workers) || workers < 1) throw invalidArgument(`--workers must be a positive integer, got ${workers}`);
  const split = loadSplit(o);
  const data: { options: Options; split: DatasetSplit } = { options: o, split: { train: shared(split.train), test: shared(split.test) } };
  const results = await launchThreads<typeof data, RankResult | null>({
    worldSize: workers,
    timeoutMs: COLLECTIVE_TIMEOUT_MS,
    entry: new URL(import.meta.url.endsWith('.ts') ? './train-worker.ts' : './train-worker.js', import.meta.url), // dist/ holds .js
    data,
    onMessage: (_rank, m) => {
      const msg = m as { progress: 'update' | 'finish'; done: number; total: number; info?: string; line?: string };
      if (msg.progress === 'update') progress.update(msg.done, msg.total, msg.info);
      else progress.finish(msg.line);
    },
  });
  const out = results[0]!;
  // Rebuild the model here (cheap), load rank 0's trained weights, and write as a single run would.
  const p = prepareTrainJob(o, split);
  p.model.loadStateDict(new Map(out.state.map(([n, d]) => [n, { shape: p.model.stateDict().get(n)!.shape, data: d }])));
  const { metrics, files } = writeTrainResults(o, p, out.result, out.groups, extras(o, p, 'threads', workers, out.result));
  return { rank: 0, worldSize: workers, accuracy: out.result.accuracy, epochsRun: out.result.epochsRun, metrics, files };
}

/** The body of a worker thread (train-worker.ts): train, and from rank 0 return the weights. */
export async function workerRank(group: ProcessGroup, data: { options: Options; split: DatasetSplit }, post: (m: unknown) => void): Promise<RankResult | null> {
  // Every core already runs a rank: the kernels' helper thread would only contend with them.
  setKernelThreads(1);
  const p = prepareTrainJob(data.options, data.split);
  const res = await trainRank(data.options, p, group, group.rank === 0 ? relayProgress(post) : noProgress);
  await group.barrier();
  if (group.rank !== 0) return null;
  const { optimizer, ...result } = res;
  return { state: [...p.model.stateDict()].map(([n, t]) => [n, t.data]), result, groups: optimizer.groupSummary() };
}

export interface ParallelFlags {
  workers?: string;
  /** An explicit --kernel-threads asks for one process with that kernel threading: no default ranks. */
  kernelThreads?: string;
  batchSize?: string;
  arch?: string;
  hidden?: string;
  layers?: string;
  widthMult?: string;
  nnodes?: string;
  nodeRank?: string;
  master?: string;
  secretFile?: string;
  precision?: string;
}

function int(v: string, what: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw invalidArgument(`${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The parallel setup the flags (and, for tcp, the orchestrator's WORLD_SIZE, RANK, MASTER_ADDR,
 * MASTER_PORT and LEPTON_DIST_SECRET) ask for; without any, the default of defaultWorkers (2
 * threads-transport ranks when 2 cores are free). null for a plain single-process fp32 run.
 */
export function parallelFromFlags(
  f: ParallelFlags,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
  cores: number = freeCores(env),
): { parallel: ParallelSetup; precision: Precision } | null {
  const precision = (f.precision ?? 'fp32') as Precision;
  if (!isPrecision(precision)) throw invalidArgument(`unknown precision ${JSON.stringify(f.precision)}; valid: ${PRECISIONS.join(', ')}`);
  const nnodes = f.nnodes ?? env['WORLD_SIZE'];
  if (f.workers !== undefined && nnodes !== undefined && nnodes !== '1') throw invalidArgument('--workers (threads on this machine) and --nnodes (processes) cannot be combined');
  if (f.workers !== undefined) {
    const workers = int(f.workers, '--workers', 1);
    return { parallel: workers === 1 ? { transport: 'single' } : { transport: 'threads', workers }, precision };
  }
  if (nnodes !== undefined && nnodes !== '1') {
    const worldSize = int(nnodes, '--nnodes (WORLD_SIZE)', 1);
    const rankText = f.nodeRank ?? env['RANK'];
    if (rankText === undefined) throw invalidArgument('--nnodes needs --node-rank (or RANK)');
    const rank = int(rankText, '--node-rank (RANK)', 0);
    if (rank >= worldSize) throw invalidArgument(`--node-rank ${rank} must be below --nnodes ${worldSize}`);
    let masterAddr = env['MASTER_ADDR'];
    let port = env['MASTER_PORT'];
    if (f.master !== undefined) {
      const m = /^(.+):(\d+)$/.exec(f.master);
      if (!m) throw invalidArgument(`--master must be HOST:PORT, got ${JSON.stringify(f.master)}`);
      [masterAddr, port] = [m[1]!.replace(/^\[(.*)\]$/, '$1'), m[2]!];
    }
    if (masterAddr === undefined || port === undefined) throw invalidArgument('--nnodes needs --master HOST:PORT (or MASTER_ADDR and MASTER_PORT)');
    const masterPort = int(port, 'the master port', 1);
    if (masterPort > 65535) throw invalidArgument(`the master port must be at most 65535, got ${masterPort}`);
    const secret = f.secretFile !== undefined ? readFile(f.secretFile).trim() : env['LEPTON_DIST_SECRET'];
    if (!secret) throw invalidArgument('distributed training needs a shared secret: set LEPTON_DIST_SECRET or pass --secret-file FILE (the same on every node)');
    checkSecret(secret);
    return { parallel: { transport: 'tcp', worldSize, rank, masterAddr, masterPort, secret }, precision };
  }
  const workers = defaultWorkers(f, env, cores);
  if (workers > 1) return { parallel: { transport: 'threads', workers, auto: true }, precision };
  return precision === 'fp32' ? null : { parallel: { transport: 'single' }, precision };
}

/**
 * Cores this process may use: the machine's (affinity included), capped by a cgroup v2 CPU quota
 * (a container given 1.5 CPUs has 1 free core) and by OMP_NUM_THREADS, which the jobs service sets
 * to a job's `resources.threads` (default 1) so that concurrent jobs never oversubscribe the machine.
 */
export function freeCores(env: Readonly<Record<string, string | undefined>>, readFile: (path: string) => string = (f) => readFileSync(f, 'utf8')): number {
  let n = availableParallelism();
  const omp = Number(env['OMP_NUM_THREADS']);
  if (Number.isInteger(omp) && omp >= 1) n = Math.min(n, omp);
  try {
    const [quota, period] = readFile('/sys/fs/cgroup/cpu.max').trim().split(/\s+/);
    if (quota !== 'max' && Number(quota) > 0 && Number(period) > 0) n = Math.min(n, Math.max(1, Math.floor(Number(quota) / Number(period))));
  } catch {
    // no cgroup v2 CPU controller here: the machine's count stands
  }
  return n;
}

/**
 * Multiply-adds per rank and step below which 2 ranks lose to one process: the barrier and the
 * reduction cost a roughly fixed time per step. Measured at load ~5 (s per 60k-image epoch): the MLP
 * (0.1M MACs an image) at batch 32 2.3–3.0 in one process, 4.1–4.4 on 2 ranks, at batch 128 0.9–1.3
 * against 2.0; the CNN (4.2M) at batch 32 48–53 against 45, at 128 43 against 36 (quiet run);
 * LSTM-64 (0.66M) at batch 128 15.9–17.7 against 13.7. So: the CNN at batch ≥ 16, LSTM/GRU-64 at 128.
 */
export const MIN_RANK_STEP_MACS = 3e7;

/** What the default needs to know of a named architecture: its cost and whether it has batch norm. */
function archProfile(f: ParallelFlags): { macsPerImage: number; batchNorm: boolean } | null {
  const name = f.arch ?? 'mlp';
  if (!isArchName(name)) return null;
  const opt = (v: string | undefined) => (v === undefined || !(Number(v) > 0) ? undefined : Number(v));
  const [hidden, layers, widthMult] = [opt(f.hidden), opt(f.layers), opt(f.widthMult)];
  const arch = namedArch(name, 10, { ...(hidden && { hidden }), ...(layers && { layers }), ...(widthMult && { widthMult }) });
  const model = buildModule(arch.model, { rng: new Rng(0) });
  return {
    macsPerImage: graphCost(exportOnnx(model, { inputShape: arch.inputShape })).macs,
    batchNorm: [...model.stateDict().keys()].some((k) => k.endsWith('running_mean')), // its statistics would be per rank (no SyncBatchNorm)
  };
}

/**
 * Ranks for a run that did not ask (no --workers, no --nnodes): LEPTON_WORKERS when set (1 forces
 * one process); else 2 threads-transport ranks when two cores are free and the run allows it —
 * measured faster than one process with two kernel threads (README, data-parallel benchmark). One
 * process when: --kernel-threads was given (the user chose kernel threading), fewer than 2 free
 * cores, an odd global batch, a model with batch norm (its statistics would be per rank), or a
 * step too small to split (under MIN_RANK_STEP_MACS per rank: the MLP at any usual batch).
 * The choice depends only on flags, environment and machine, so a seed still gives the same weights.
 */
export function defaultWorkers(f: ParallelFlags, env: Readonly<Record<string, string | undefined>>, cores: number): number {
  const forced = env['LEPTON_WORKERS'];
  if (forced !== undefined && forced !== '') {
    const n = int(forced, 'LEPTON_WORKERS', 1);
    if (n > 1) localBatchSize(Number(f.batchSize ?? '128'), n); // an explicit count must divide the batch, as --workers
    return n;
  }
  if (f.kernelThreads !== undefined || cores < 2) return 1;
  const batch = Number(f.batchSize ?? '128');
  if (!Number.isInteger(batch) || batch % 2 !== 0) return 1;
  const prof = archProfile(f);
  if (!prof || prof.batchNorm || prof.macsPerImage * (batch / 2) < MIN_RANK_STEP_MACS) return 1;
  return 2;
}
