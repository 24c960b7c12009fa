/**
 * The reusable training job behind `lep train` and the main job: load a dataset, build a named
 * architecture, train it, then write DIR/model.onnx, DIR/model.safetensors and DIR/metrics.json.
 * It wires data + nn + onnx, which only the CLI layer may do.
 */
import { accessSync, constants, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { makeDirs, writeFileAtomic } from '../core/fs.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { kernels } from '../tensor/index.js';
import { loadDataset, isDatasetName, DATASET_NAMES, batches, numBatches, augmentBatch, type AugmentOptions, type ImageDataset, type DatasetSplit } from '../data/index.js';
import {
  buildModule, namedArch, isArchName, ARCH_NAMES, fit, checkpointBytes, loadCheckpoint, Adam, SGD, RMSprop, CosineAnnealingLR, StepLR,
  type Optimizer, type Batch, type EpochMetrics, type LRScheduler, type ParamsOrGroups, Sequential, type ModelArch, type Module, type FitResult,
} from '../nn/index.js';
import { exportOnnx } from '../onnx/export.js';
import { graphCost } from '../onnx/flops.js';
import { checkpointClasses, filterClasses, setupTransfer } from './train-transfer.js';

export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop'] as const;
export const SCHEDULE_NAMES = ['none', 'cosine', 'step'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface TrainJobOptions {
  /** 'mnist' (60k/10k), 'mnist-small' (8000/2000) or 'fashion-mnist'. */
  dataset: string;
  /** 'mlp', 'cnn', 'rnn', 'lstm' or 'gru' (see src/nn/architectures.ts). */
  arch: string;
  /** Recurrent archs: hidden units per layer (default 64) and stacked layers (default 1). */
  hidden?: number;
  /** lstm: forget-gate bias init (default 1, see namedArch); null: PyTorch's uniform init. */
  forgetBias?: number | null;
  layers?: number;
  /** mobilenet-mini: channel width multiplier (default 1). */
  widthMult?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerName;
  /** Default 1e-3 for adam and rmsprop, 0.05 for sgd (with momentum 0.9). */
  lr?: number;
  /** Train on augmented batches (src/data augmentation). Default false. */
  augment?: boolean;
  /** Seed of init, shuffles and augmentation. Default 0. */
  seed?: number;
  /** Output folder. */
  outDir: string;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Cross-entropy label smoothing (default 0). */
  labelSmoothing?: number;
  /** Learning-rate schedule over the epochs: 'cosine' (to 0), 'step' (×0.1 every third of the run) or 'none' (default). */
  schedule?: ScheduleName;
  /** Early-stopping patience in epochs (default: off). */
  patience?: number;
  /**
   * Decay of the exponential moving average of the weights that is evaluated and exported
   * (src/nn/ema.ts); 0 turns it off. Default 0.999.
   */
  ema?: number;
  /** Start from this checkpoint's weights (fine-tune / resume). */
  initFrom?: string;
  /** With initFrom: freeze these layers (index ranges "0-3" or type globs "conv*"; see train-transfer.ts). */
  freeze?: string;
  /** With initFrom: replace the classifier with a fresh one of N classes. */
  newHead?: number;
  /** Learning rate of the classifier's own parameter group. */
  lrHead?: number;
  /** Keep only these classes (renumbered 0..k-1), in train and test. */
  classes?: number[];
  /** Keep at most N training samples per class (the first ones). */
  perClass?: number;
  /** Use only the first N train / test samples (quick runs). */
  limitTrain?: number;
  limitTest?: number;
  /** Folder of the dataset's IDX files (mnist, fashion-mnist; see LoadDatasetOptions.dir). */
  datasetDir?: string;
  progress?: ProgressSink;
}

export interface TrainMetrics {
  dataset: string;
  arch: string;
  optimizer: OptimizerName;
  lr: number;
  schedule: ScheduleName;
  batch_size: number;
  augment: boolean;
  seed: number;
  /** Decay of the weight average the saved model holds; 0: the last step's weights. */
  ema: number;
  /** Test accuracy of the saved model. */
  accuracy: number;
  test_loss: number | null;
  epochs: number;
  epochs_run: number;
  best_epoch: number;
  stopped_early: boolean;
  seconds_per_epoch: number;
  images_per_second: number;
  train_samples: number;
  test_samples: number;
  parameters: number;
  /** Per-image cost counted on the exported graph (src/onnx/flops.ts), and the ONNX file's size. */
  macs_per_image?: number;
  flops_per_image?: number;
  onnx_bytes?: number;
  width_mult?: number;
  kernel_backend: string;
  history: EpochMetrics[];
  /** Data-parallel runs (--workers, --nnodes): transport, ranks, and the batch each rank takes. */
  parallel?: { transport: 'threads' | 'tcp' | 'single'; world_size: number; global_batch: number; local_batch: number; /** Ranks chosen by default (no --workers): LEPTON_WORKERS=1 or --workers 1 turns it off. */ auto?: boolean };
  /** --precision bf16|fp16: 16-bit layer-input bytes of one step, steps skipped on inf/NaN, final loss scale. */
  mixed_precision?: { precision: 'bf16' | 'fp16'; activation_bytes: number; skipped_steps: number; loss_scale: number };
  /** Fine-tuning setup, when --init-from was given. */
  transfer?: { init_from: string; frozen_layers: number[]; new_head: number | null; groups: Array<{ name: string; lr: number; params: number; values: number }>; trainable_parameters: number };
}

export interface TrainJobResult {
  metrics: TrainMetrics;
  files: { onnx: string; safetensors: string; metrics: string };
}

export const AUGMENT: Record<string, AugmentOptions> = {
  mnist: { shift: 2, rotate: 10 },
  'mnist-small': { shift: 2, rotate: 10 },
  'fashion-mnist': { shift: 2, flip: 0.5 },
};

function posInt(v: number, what: string, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw invalidArgument(`${what} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** Fail before training, not after an hour, when the output folder cannot be written. */
export function checkWritable(dir: string): void {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.lep-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    if (err instanceof LeptonError) throw err;
    throw invalidArgument(`output folder ${dir} is not writable (${(err as Error).message})`);
  }
}

export function makeOptimizer(name: OptimizerName, params: ParamsOrGroups, lr: number, wd: number): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam(params, { lr, weightDecay: wd });
    case 'sgd':
      return new SGD(params, { lr, momentum: 0.9, weightDecay: wd });
    case 'rmsprop':
      return new RMSprop(params, { lr, weightDecay: wd });
  }
}

/** The --schedule over `epochs`, or undefined for none. */
export function makeScheduler(name: ScheduleName | undefined, optimizer: Optimizer, epochs: number): LRScheduler | undefined {
  if (name === 'cosine') return new CosineAnnealingLR(optimizer, epochs);
  if (name === 'step') return new StepLR(optimizer, Math.max(1, Math.ceil(epochs / 3)));
  return undefined;
}

/** Validate options and fill in defaults (exported for the CLI's argument checks). */
/** The weight average's decay when none is given: a horizon of about 1,000 steps. */
export const DEFAULT_EMA = 0.999;

export function resolveTrainOptions(o: TrainJobOptions): Required<Pick<TrainJobOptions, 'epochs' | 'batchSize' | 'optimizer' | 'lr' | 'augment' | 'seed' | 'ema'>> {
  if (!isDatasetName(o.dataset)) throw invalidArgument(`unknown dataset ${JSON.stringify(o.dataset)}; valid: ${DATASET_NAMES.join(', ')}`);
  if (!isArchName(o.arch)) throw invalidArgument(`unknown architecture ${JSON.stringify(o.arch)}; valid: ${ARCH_NAMES.join(', ')}`);
  const optimizer = o.optimizer ?? 'adam';
  if (!OPTIMIZER_NAMES.includes(optimizer)) throw invalidArgument(`unknown optimizer ${JSON.stringify(optimizer)}; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  if (o.schedule !== undefined && !SCHEDULE_NAMES.includes(o.schedule)) {
    throw invalidArgument(`unknown schedule ${JSON.stringify(o.schedule)}; valid: ${SCHEDULE_NAMES.join(', ')}`);
  }
  if (o.hidden !== undefined) posInt(o.hidden, 'hidden size');
  if (o.layers !== undefined) posInt(o.layers, 'layer count');
  const lr = o.lr ?? (optimizer === 'sgd' ? 0.05 : 1e-3);
  if (!(lr > 0 && Number.isFinite(lr))) throw invalidArgument(`learning rate must be a positive number, got ${o.lr}`);
  const ema = o.ema ?? DEFAULT_EMA;
  if (!(ema === 0 || (ema > 0 && ema < 1))) throw invalidArgument(`EMA decay must be 0 (off) or in (0, 1), got ${o.ema}`);
  return {
    ema,
    epochs: posInt(o.epochs ?? 10, 'epochs'),
    batchSize: posInt(o.batchSize ?? 128, 'batch size'),
    optimizer,
    lr,
    augment: o.augment ?? false,
    seed: posInt(o.seed ?? 0, 'seed', 0),
  };
}

/** Load the dataset with the job's limits and class filters. */
export function loadSplit(o: TrainJobOptions): DatasetSplit {
  const loaded = loadDataset(o.dataset, {
    ...(o.limitTrain !== undefined && { limitTrain: o.limitTrain }),
    ...(o.limitTest !== undefined && { limitTest: o.limitTest }),
    ...(o.datasetDir !== undefined && { dir: o.datasetDir }),
  });
  const filtered = o.classes !== undefined || o.perClass !== undefined;
  const split: DatasetSplit = filtered ? { train: filterClasses(loaded.train, o.classes, o.perClass), test: filterClasses(loaded.test, o.classes) } : loaded;
  return split;
}

/** A job with its data loaded and its model built, ready to train (one per rank in parallel runs). */
export interface PreparedTrainJob {
  r: ReturnType<typeof resolveTrainOptions>;
  split: DatasetSplit;
  arch: ModelArch;
  model: Module;
  params: ParamsOrGroups;
  transfer: TrainMetrics['transfer'];
}

/** Check options, load (or take) the data and build the model. */
export function prepareTrainJob(o: TrainJobOptions, given?: DatasetSplit): PreparedTrainJob {
  const r = resolveTrainOptions(o);
  if (o.patience !== undefined) posInt(o.patience, 'patience');
  if (!o.initFrom && (o.freeze !== undefined || o.newHead !== undefined)) throw invalidArgument('--freeze and --new-head need --init-from');
  const split = given ?? loadSplit(o);
  if (o.newHead !== undefined && o.newHead !== split.train.numClasses) {
    throw invalidArgument(`--new-head ${o.newHead} but the training data has ${split.train.numClasses} classes`);
  }
  const archOpts = {
    ...(o.hidden !== undefined && { hidden: o.hidden }),
    ...(o.layers !== undefined && { layers: o.layers }),
    ...(o.widthMult !== undefined && { widthMult: o.widthMult }),
    ...(o.forgetBias !== undefined && { forgetBias: o.forgetBias }),
  };
  const arch = namedArch(o.arch, split.train.numClasses, archOpts);
  const rng = new Rng(r.seed);
  let model = buildModule(arch.model, { rng });
  let params: ParamsOrGroups = model.parameters();
  let transfer: TrainMetrics['transfer'];
  if (o.initFrom) {
    const ck = loadCheckpoint(o.initFrom);
    if (o.newHead !== undefined) {
      // Load into the checkpoint's own class count, then swap the head for the new classes.
      const head = model instanceof Sequential ? model.headIndex() : -1;
      const had = checkpointClasses(ck, head) ?? split.train.numClasses;
      model = buildModule(namedArch(o.arch, had, archOpts).model, { rng });
    }
    model.loadStateDict(ck.state);
    if (o.freeze !== undefined || o.newHead !== undefined || o.lrHead !== undefined) {
      const t = setupTransfer(model, { seed: r.seed, ...(o.freeze !== undefined && { freeze: o.freeze }), ...(o.newHead !== undefined && { newHead: o.newHead }), ...(o.lrHead !== undefined && { lrHead: o.lrHead }) });
      params = t.params;
      transfer = { init_from: o.initFrom, frozen_layers: t.frozen, new_head: o.newHead ?? null, groups: [], trainable_parameters: model.trainableParameters().reduce((s, p) => s + p.size, 0) };
    }
  } else if (o.lrHead !== undefined) {
    throw invalidArgument('--lr-head needs --init-from');
  }
  return { r, split, arch, model, params, transfer };
}

/** Train, evaluate and write the three artefacts. */
export function runTrainJob(o: TrainJobOptions): TrainJobResult {
  resolveTrainOptions(o);
  checkWritable(o.outDir);
  const p = prepareTrainJob(o);
  const { r, split, arch, model, params, transfer } = p;
  const optimizer = makeOptimizer(r.optimizer, params, r.lr, o.weightDecay ?? 0);
  const scheduler = makeScheduler(o.schedule, optimizer, r.epochs);
  const shuffle = new Rng(r.seed + 1);
  const augRng = new Rng(r.seed + 2);
  const aug = r.augment ? AUGMENT[o.dataset] : undefined;
  const shape = split.train.shape;
  const trainBatches = function* (): Generator<Batch> {
    for (const b of batches(split.train, r.batchSize, { rng: shuffle, reuseBuffers: true })) {
      if (aug) augmentBatch(b.x, shape, aug, augRng, b.x);
      yield b;
    }
  };
  const testBatches = (ds: ImageDataset) => () => batches(ds, 1000, { shuffle: false, reuseBuffers: true });
  const result = fit(model, {
    epochs: r.epochs,
    train: trainBatches,
    batchesPerEpoch: numBatches(split.train.n, r.batchSize),
    test: testBatches(split.test),
    inputShape: arch.inputShape,
    optimizer,
    ...(scheduler && { scheduler }),
    ...(o.labelSmoothing !== undefined && { labelSmoothing: o.labelSmoothing }),
    ...(o.patience !== undefined && { earlyStopping: { patience: o.patience } }),
    ...(r.ema > 0 && { ema: r.ema }),
    progress: o.progress ?? noProgress,
  });
  return writeTrainResults(o, p, result, optimizer.groupSummary());
}

/** Build metrics.json from a finished run and write the three artefacts (rank 0 only, in parallel runs). */
export function writeTrainResults(o: TrainJobOptions, p: PreparedTrainJob, result: FitResult, groups: ReturnType<Optimizer['groupSummary']>, extra: Partial<TrainMetrics> = {}): TrainJobResult {
  const { r, split, arch, model, transfer } = p;
  if (transfer) transfer.groups = groups.map(({ name, lr, params: ps, values }) => ({ name, lr, params: ps, values }));
  const last = result.history.find((h) => h.epoch === result.bestEpoch);
  const meta = { dataset: o.dataset, arch: o.arch, accuracy: String(result.accuracy) };
  const onnxBytes = exportOnnx(model, { inputShape: arch.inputShape, metadata: meta });
  const cost = graphCost(onnxBytes);
  const metrics: TrainMetrics = {
    dataset: o.dataset,
    arch: o.arch,
    optimizer: r.optimizer,
    lr: r.lr,
    schedule: o.schedule ?? 'none',
    batch_size: r.batchSize,
    augment: r.augment,
    seed: r.seed,
    ema: r.ema,
    accuracy: result.accuracy,
    test_loss: last?.testLoss ?? null,
    epochs: r.epochs,
    epochs_run: result.epochsRun,
    best_epoch: result.bestEpoch,
    stopped_early: result.stoppedEarly,
    seconds_per_epoch: result.secondsPerEpoch,
    images_per_second: result.imagesPerSecond,
    train_samples: split.train.n,
    test_samples: split.test.n,
    parameters: model.numParameters(),
    macs_per_image: cost.macs,
    flops_per_image: cost.flops,
    onnx_bytes: onnxBytes.length,
    ...(o.widthMult !== undefined && { width_mult: o.widthMult }),
    kernel_backend: kernels().name,
    history: result.history,
    ...(transfer && { transfer }),
    ...extra,
  };
  const files = {
    onnx: join(o.outDir, 'model.onnx'),
    safetensors: join(o.outDir, 'model.safetensors'),
    metrics: join(o.outDir, 'metrics.json'),
  };
  try {
    writeFileAtomic(files.onnx, onnxBytes);
    writeFileAtomic(files.safetensors, checkpointBytes(model, arch, { metadata: meta }));
    writeFileAtomic(files.metrics, JSON.stringify(metrics, null, 2) + '\n');
  } catch (err) {
    throw err instanceof LeptonError ? err : new LeptonError('LEPTON_ERR_IO', `cannot write results to ${o.outDir}`, { cause: err });
  }
  return { metrics, files };
}
