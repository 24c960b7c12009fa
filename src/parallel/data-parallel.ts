/**
 * Data parallelism, PyTorch DDP's contract: every rank starts from rank 0's weights, and after each
 * backward the gradients are averaged over the ranks, so W ranks with batch B/W take the same step
 * as one rank with batch B. Gradients live in one flat buffer (each parameter's .grad is a view
 * into it), laid out in reverse parameter order — the order backward finishes them — and cut into
 * buckets that are all-reduced concurrently: on tcp, bucket k+1's frames are on the wire while
 * bucket k is being summed.
 *
 * Overlap with backward: our autograd runs a backward pass as one synchronous loop with no
 * per-parameter hooks, and neither transport makes progress while JavaScript runs (the threads
 * transport reduces on the compute threads themselves; tcp sockets are served by the event loop).
 * So the reduction starts when backward returns. Measured on the CNN, the all-reduce is a few
 * percent of a step (bench/parallel.ts), which bounds what overlap could win here.
 */
import { type Module } from '../nn/index.js';
import { type FitHooks, type EpochMetrics } from '../nn/index.js';
import { type Tensor } from '../tensor/index.js';
import { type ProcessGroup } from './process-group.js';

export interface DataParallelOptions {
  /** Gradient bucket size (default 1 MiB); a parameter larger than a bucket gets its own. */
  bucketBytes?: number;
}

/** Copy every tensor's data into one flat array, in order. */
export function flatten(ts: readonly Tensor[]): Float32Array {
  const flat = new Float32Array(ts.reduce((s, t) => s + t.size, 0));
  let off = 0;
  for (const t of ts) {
    flat.set(t.data, off);
    off += t.size;
  }
  return flat;
}

/** The inverse of flatten: copy consecutive runs of `flat` back into the tensors. */
export function unflatten(flat: Float32Array, ts: readonly Tensor[]): void {
  let off = 0;
  for (const t of ts) {
    t.data.set(flat.subarray(off, off + t.size));
    off += t.size;
  }
}

export class DataParallel {
  /** Every trainable gradient, back to front; each parameter's .grad is a view into it. */
  readonly grads: Float32Array;
  readonly buckets: Float32Array[];
  private readonly params: Tensor[];

  constructor(
    readonly model: Module,
    readonly group: ProcessGroup,
    o: DataParallelOptions = {},
  ) {
    this.params = model.parameters().filter((p) => p.requiresGrad);
    this.grads = new Float32Array(this.params.reduce((s, p) => s + p.size, 0));
    const bucketFloats = Math.max(1, Math.floor((o.bucketBytes ?? 2 ** 20) / 4));
    this.buckets = [];
    let off = 0;
    let start = 0;
    for (const p of [...this.params].reverse()) {
      if (off > start && off + p.size - start > bucketFloats) {
        this.buckets.push(this.grads.subarray(start, off));
        start = off;
      }
      p.grad = this.grads.subarray(off, off + p.size);
      off += p.size;
    }
    if (off > start) this.buckets.push(this.grads.subarray(start, off));
  }

  /** Give every rank rank 0's parameters and buffers (call once, before training). */
  async broadcastState(): Promise<void> {
    const state = [...this.model.stateDict().values()];
    const flat = flatten(state);
    await this.group.broadcast(flat, 0);
    unflatten(flat, state);
  }

  /** Average the gradients over the ranks, in place. */
  async allReduceGradients(): Promise<void> {
    if (this.group.worldSize === 1) return;
    await Promise.all(this.buckets.map((b) => this.group.allReduce(b, 'mean')));
  }

  /** Training-loop hooks: average gradients after backward; share epoch metrics. */
  hooks(): FitHooks {
    return {
      afterBackward: async () => {
        await this.allReduceGradients();
        return true;
      },
      syncEpoch: (m, local) => syncEpochMetrics(this.group, m, local),
    };
  }
}

/** Train metrics over all ranks' samples; test metrics from rank 0, the only rank that evaluates. */
export async function syncEpochMetrics(group: ProcessGroup, m: EpochMetrics, local: { lossSum: number; hits: number; seen: number }): Promise<EpochMetrics> {
  if (group.worldSize === 1) return m;
  const sums = Float32Array.of(local.lossSum, local.hits, local.seen);
  await group.allReduce(sums, 'sum');
  const test = Float32Array.of(m.testLoss ?? NaN, m.testAccuracy ?? NaN, m.seconds);
  await group.broadcast(test, 0);
  const [lossSum, hits, seen] = sums as unknown as [number, number, number];
  const out: EpochMetrics = { ...m, trainLoss: lossSum / seen, trainAccuracy: hits / seen, seconds: test[2]!, imagesPerSecond: seen / test[2]! };
  if (!Number.isNaN(test[0])) out.testLoss = test[0]!;
  if (!Number.isNaN(test[1])) out.testAccuracy = test[1]!;
  return out;
}
