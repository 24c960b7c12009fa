/**
 * The training loop: epochs of mini-batch steps (forward, fused cross-entropy, backward,
 * optimizer), evaluation after each epoch, LR schedule, early stopping, progress with loss,
 * accuracy and images/s. Batches arrive structurally ({x, y, size}) so nn never depends on data.
 */
import { invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { Tensor, noGrad, softmaxCrossEntropy } from '../tensor/index.js';
import { WeightEma } from './ema.js';
import { type Module } from './module.js';
import { type Optimizer } from './optim/optimizer.js';
import { type LRScheduler } from './optim/schedulers.js';

/** One mini-batch: x [size, ...inputShape] row-major, y [size] class indices. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export interface EarlyStopping {
  /** Epochs without improvement of the test accuracy before stopping. */
  patience: number;
  /** Smallest accuracy gain that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the best epoch's weights when training ends (default true). */
  restoreBest?: boolean;
}

export interface FitOptions {
  epochs: number;
  /** Returns one epoch's training batches; called once per epoch (shuffle inside). */
  train: (epoch: number) => Iterable<Batch>;
  /** Batches per epoch, for the progress bar (optional). */
  batchesPerEpoch?: number;
  /** Returns the evaluation batches; evaluated after each epoch when given. */
  test?: () => Iterable<Batch>;
  /** Per-sample input shape, e.g. [784] or [1, 28, 28]. */
  inputShape: readonly number[];
  optimizer: Optimizer;
  /** Stepped once per epoch. */
  scheduler?: LRScheduler;
  /** Cross-entropy label smoothing (default 0). */
  labelSmoothing?: number;
  /** Needs `test`. */
  earlyStopping?: EarlyStopping;
  progress?: ProgressSink;
  /** Called after each epoch (after evaluation). */
  onEpoch?: (m: EpochMetrics) => void;
  /**
   * Keep an exponential moving average of the weights with this decay (ema.ts); each epoch is
   * evaluated on the averaged weights, and the model ends holding them. Default: off.
   */
  ema?: number;
  /** Data-parallel and mixed-precision extension points (src/parallel). Async hooks need fitAsync. */
  hooks?: FitHooks;
}

/**
 * Where data-parallel and mixed-precision training hook into the loop. A hook that returns a
 * promise suspends the step until it settles (fitAsync); fit refuses one.
 */
export interface FitHooks {
  /** Seed of the backward pass: the loss scale under fp16 (default 1). */
  lossScale?(): number;
  /** The step's graph is built and backward is next: data parallelism watches it to all-reduce gradients as they become final. */
  beforeBackward?(loss: Tensor): void;
  /** After backward, before the optimizer: all-reduce, unscale and check gradients. false skips this step's update. */
  afterBackward?(): boolean | Promise<boolean>;
  /** After an optimizer update (refresh 16-bit working weights from the fp32 master weights). */
  afterStep?(): void;
  /** Make an epoch's metrics agree across ranks, from this rank's sums (and rank 0's evaluation). */
  syncEpoch?(m: EpochMetrics, local: { lossSum: number; hits: number; seen: number }): EpochMetrics | Promise<EpochMetrics>;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Wall time of the training pass (evaluation excluded). */
  seconds: number;
  imagesPerSecond: number;
  lr: number;
}

export interface FitResult {
  history: EpochMetrics[];
  epochsRun: number;
  stoppedEarly: boolean;
  /** Epoch (1-based) whose weights the model holds at the end. */
  bestEpoch: number;
  /** Test accuracy of the weights the model ends with (train accuracy when there is no test set). */
  accuracy: number;
  secondsPerEpoch: number;
  imagesPerSecond: number;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  n: number;
}

/** Count the argmax hits of logits [N, C] against y. */
export function countCorrect(logits: Float32Array, y: Int32Array, n: number, classes: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[row + c]! > logits[row + best]!) best = c;
    if (best === y[i]) hits++;
  }
  return hits;
}

/** Mean loss and accuracy of `model` (in eval mode, no graph) over batches. */
export function evaluate(model: Module, batches: Iterable<Batch>, inputShape: readonly number[]): EvalResult {
  const wasTraining = model.training;
  model.eval();
  let loss = 0;
  let hits = 0;
  let n = 0;
  try {
    noGrad(() => {
      for (const b of batches) {
        const out = model.forward(new Tensor(b.x, [b.size, ...inputShape])); // [B, C]
        const classes = out.shape[1]!;
        loss += softmaxCrossEntropy(out, b.y).item() * b.size;
        hits += countCorrect(out.data, b.y, b.size, classes);
        n += b.size;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: n ? loss / n : NaN, accuracy: n ? hits / n : NaN, n };
}

function snapshot(model: Module): Float32Array[] {
  return [...model.stateDict().values()].map((t) => t.data.slice());
}

function restore(model: Module, snap: Float32Array[]): void {
  [...model.stateDict().values()].forEach((t, i) => t.data.set(snap[i]!));
}

/** Train `model` with cross-entropy. Returns per-epoch metrics and the final accuracy. */
export function fit(model: Module, o: FitOptions): FitResult {
  const it = fitLoop(model, o);
  const r = it.next();
  if (r.done) return r.value;
  void it.return(undefined as never);
  throw invalidArgument('a training hook returned a promise: use fitAsync');
}

/** fit, for hooks that wait (collectives of data-parallel training). */
export async function fitAsync(model: Module, o: FitOptions): Promise<FitResult> {
  const it = fitLoop(model, o);
  let r = it.next();
  while (!r.done) {
    let v: unknown;
    try {
      v = await r.value;
    } catch (err) {
      r = it.throw(err);
      continue;
    }
    r = it.next(v);
  }
  return r.value;
}

/** fit folds the weight average in every 4th step (ema.ts: ~3% of an MLP epoch at batch 32 instead of 13%). */
export const EMA_EVERY = 4;

/** The loop itself: yields a hook's promise and resumes with its value (one body for fit and fitAsync). */
function* fitLoop(model: Module, o: FitOptions): Generator<Promise<unknown>, FitResult, unknown> {
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw invalidArgument(`epochs must be a non-negative integer, got ${o.epochs}`);
  const hooks = o.hooks ?? {};
  if (o.earlyStopping && !o.test && !hooks.syncEpoch) throw invalidArgument('early stopping needs a test set');
  const progress = o.progress ?? noProgress;
  const history: EpochMetrics[] = [];
  const es = o.earlyStopping;
  let best = -Infinity;
  let bestEpoch = 0;
  let bestSnap: Float32Array[] | null = null;
  let stale = 0;
  let stoppedEarly = false;
  const total = o.batchesPerEpoch ?? 0;
  const ema = o.ema !== undefined && o.ema > 0 ? new WeightEma(model, o.ema, EMA_EVERY) : null;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    ema?.swapOut(); // train on the live weights; the average only evaluates and ships
    model.train();
    const t0 = performance.now();
    let lossSum = 0;
    let hits = 0;
    let seen = 0;
    let step = 0;
    for (const b of o.train(epoch)) {
      const x = new Tensor(b.x, [b.size, ...o.inputShape]); // [B, ...inputShape]
      const logits = model.forward(x); // [B, C]
      const loss = softmaxCrossEntropy(logits, b.y, o.labelSmoothing ?? 0);
      o.optimizer.zeroGrad();
      const seed = hooks.lossScale?.() ?? 1;
      hooks.beforeBackward?.(loss);
      loss.backward(seed === 1 ? undefined : Float32Array.of(seed));
      let apply = hooks.afterBackward?.() ?? true;
      if (typeof apply !== 'boolean') apply = (yield apply) as boolean;
      if (apply) {
        o.optimizer.step();
        hooks.afterStep?.();
        ema?.update();
      }
      const l = loss.item();
      if (!Number.isFinite(l)) throw invalidArgument(`training diverged at epoch ${epoch} (loss ${l}); lower the learning rate`);
      lossSum += l * b.size;
      hits += countCorrect(logits.data, b.y, b.size, logits.shape[1]!);
      seen += b.size;
      step++;
      const secs = (performance.now() - t0) / 1000;
      progress.update(step, Math.max(total, step), `epoch ${epoch}/${o.epochs} loss ${(lossSum / seen).toFixed(4)} acc ${(hits / seen).toFixed(4)} ${(seen / secs).toFixed(0)} img/s`);
    }
    const seconds = (performance.now() - t0) / 1000;
    let m: EpochMetrics = {
      epoch,
      trainLoss: seen ? lossSum / seen : NaN,
      trainAccuracy: seen ? hits / seen : NaN,
      seconds,
      imagesPerSecond: seconds > 0 ? seen / seconds : 0,
      lr: o.optimizer.lr,
    };
    ema?.swapIn(); // evaluate (and snapshot, and end with) the averaged weights
    if (o.test) {
      const ev = evaluate(model, o.test(), o.inputShape);
      m.testLoss = ev.loss;
      m.testAccuracy = ev.accuracy;
    }
    if (hooks.syncEpoch) {
      const synced = hooks.syncEpoch(m, { lossSum, hits, seen });
      m = synced instanceof Promise ? ((yield synced) as EpochMetrics) : synced;
    }
    o.scheduler?.step();
    history.push(m);
    progress.finish(
      `epoch ${epoch}/${o.epochs} loss ${m.trainLoss.toFixed(4)} acc ${m.trainAccuracy.toFixed(4)}` +
        (m.testAccuracy !== undefined ? ` test_acc ${m.testAccuracy.toFixed(4)}` : '') +
        ` ${m.imagesPerSecond.toFixed(0)} img/s ${seconds.toFixed(1)}s`,
    );
    o.onEpoch?.(m);
    const score = m.testAccuracy ?? m.trainAccuracy;
    if (score > best + (es?.minDelta ?? 0) || bestEpoch === 0) {
      best = score;
      bestEpoch = epoch;
      stale = 0;
      if (es && (es.restoreBest ?? true)) bestSnap = snapshot(model);
    } else if (es && ++stale >= es.patience) {
      stoppedEarly = true;
      break;
    }
  }
  const last = history[history.length - 1];
  let accuracy = last ? (last.testAccuracy ?? last.trainAccuracy) : NaN;
  let endEpoch = history.length;
  if (es && bestSnap && bestEpoch !== history.length) {
    restore(model, bestSnap);
    accuracy = best;
    endEpoch = bestEpoch;
  }
  const secondsTotal = history.reduce((s, h) => s + h.seconds, 0);
  const images = history.reduce((s, h) => s + h.imagesPerSecond * h.seconds, 0);
  return {
    history,
    epochsRun: history.length,
    stoppedEarly,
    bestEpoch: endEpoch,
    accuracy,
    secondsPerEpoch: history.length ? secondsTotal / history.length : 0,
    imagesPerSecond: secondsTotal > 0 ? images / secondsTotal : 0,
  };
}
