/**
 * Data parallelism, PyTorch DDP's contract: every rank starts from rank 0's weights, and after each
 * backward the gradients are averaged over the ranks, so W ranks with batch B/W take the same step
 * as one rank with batch B. Gradients live in one flat buffer (each parameter's .grad is a view
 * into it), laid out in reverse parameter order — the order backward finishes them — and cut into
 * buckets (DDP's bucket_cap_mb; 1 MiB here by default).
 *
 * Overlap with backward (`overlap`, on for tcp): before backward, `watch` walks the step's graph,
 * counts the graph nodes that consume each parameter and wraps their backward closures; when the
 * last consumer of a bucket's last parameter has run, that gradient is final and the bucket's
 * all-reduce is launched there and then, in the middle of the synchronous backward loop. On tcp the
 * ring's first frames go to the socket at once (the kernel moves them while JavaScript computes the
 * earlier layers' gradients); the rest of the ring is served by the event loop after backward.
 * Buckets are launched strictly in bucket order (a bucket that is ready early waits for the ones
 * before it), so every rank issues the same collectives in the same order, as a process group
 * requires. The threads transport keeps the reduction after backward: its all-reduce runs on the
 * compute threads themselves (a shared-memory sum, ~1% of a step), so starting it mid-backward
 * would only add barriers — there is no idle core or NIC to overlap with.
 */
import { type Module } from '../nn/index.js';
import { type FitHooks, type EpochMetrics } from '../nn/index.js';
import { type Tensor } from '../tensor/index.js';
import { type ProcessGroup } from './process-group.js';

export interface DataParallelOptions {
  /** Gradient bucket size (default 1 MiB); a parameter larger than a bucket gets its own. */
  bucketBytes?: number;
  /** Launch each bucket's all-reduce during backward, as soon as its gradients are final (default: tcp yes, threads no). */
  overlap?: boolean;
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
  readonly overlap: boolean;
  private readonly params: Tensor[];
  /** Parameter → its bucket. */
  private readonly bucketOf = new Map<Tensor, number>();
  /** This step (between watch and allReduceGradients): parameters of each bucket not final yet, launched all-reduces. */
  private pending: number[] = [];
  private inflight: Array<Promise<void>> = [];
  private watching = false;

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
      this.bucketOf.set(p, this.buckets.length);
      off += p.size;
    }
    if (off > start) this.buckets.push(this.grads.subarray(start, off));
    this.overlap = o.overlap ?? group.transport === 'tcp';
  }

  /**
   * Before backward from `root`: count each parameter's consumers in the graph and wrap their
   * backward closures, so that each bucket's all-reduce starts as soon as its gradients are final.
   */
  watch(root: Tensor): void {
    this.watching = false;
    if (this.group.worldSize === 1 || !this.overlap) return;
    const consumers = new Map<Tensor, number>();
    const seen = new Set<Tensor>([root]);
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const fn = node.backwardFn;
      if (!fn) continue;
      const mine = new Set<Tensor>();
      for (const p of node.parents) {
        if (this.bucketOf.has(p)) mine.add(p);
        else if (p.requiresGrad && !seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
      if (mine.size === 0) continue;
      for (const p of mine) consumers.set(p, (consumers.get(p) ?? 0) + 1);
      node.backwardFn = (g) => {
        fn(g);
        for (const p of mine) {
          const left = consumers.get(p)! - 1;
          consumers.set(p, left);
          if (left === 0 && --this.pending[this.bucketOf.get(p)!]! === 0) this.launchReady();
        }
      };
    }
    // A parameter no node consumes this step has its final (zero) gradient already.
    this.pending = this.buckets.map(() => 0);
    for (const p of consumers.keys()) this.pending[this.bucketOf.get(p)!]!++;
    this.inflight = [];
    this.watching = true;
    this.launchReady();
  }

  /** Launch, in bucket order, every bucket whose gradients are final and whose predecessors are launched. */
  private launchReady(): void {
    while (this.inflight.length < this.buckets.length && this.pending[this.inflight.length] === 0) this.launch();
  }

  private launch(): void {
    const p = this.group.allReduce(this.buckets[this.inflight.length]!, 'mean');
    p.catch(() => {}); // awaited (and thrown) in allReduceGradients; not an unhandled rejection meanwhile
    this.inflight.push(p);
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
    if (!this.watching) {
      // No overlap (threads): one collective for the whole flat gradient — the fewest barriers; the
      // sums are elementwise, so the result is the same as bucket by bucket.
      if (!this.overlap) await this.group.allReduce(this.grads, 'mean');
      else await Promise.all(this.buckets.map((b) => this.group.allReduce(b, 'mean')));
      return;
    }
    // Backward is over: every gradient is final, so the buckets not launched yet go now (in order).
    this.watching = false;
    while (this.inflight.length < this.buckets.length) this.launch();
    await Promise.all(this.inflight);
  }

  /** Training-loop hooks: average gradients after backward; share epoch metrics. */
  hooks(): FitHooks {
    return {
      beforeBackward: (loss) => this.watch(loss),
      afterBackward: async () => {
        await this.allReduceGradients();
        return true;
      },
      syncEpoch: (m, local) => syncEpochMetrics(this.group, m, local),
    };
  }
}

/**
 * Train metrics over all ranks' samples. Test metrics: with `testN` (this rank evaluated its
 * `testN` samples of a sharded test set), summed over the ranks — hit counts are exact integers, so
 * the accuracy is the one a single process computes; without it, rank 0's (the only rank that evaluated).
 */
export async function syncEpochMetrics(group: ProcessGroup, m: EpochMetrics, local: { lossSum: number; hits: number; seen: number }, testN?: number): Promise<EpochMetrics> {
  if (group.worldSize === 1) return m;
  const mine = testN !== undefined && testN > 0 && m.testLoss !== undefined && m.testAccuracy !== undefined;
  const shardTest = testN === undefined ? [] : [mine ? m.testLoss! * testN : 0, mine ? Math.round(m.testAccuracy! * testN) : 0, mine ? testN : 0];
  const sums = Float32Array.of(local.lossSum, local.hits, local.seen, ...shardTest);
  await group.allReduce(sums, 'sum');
  // Rank 0's figures reach every rank exactly as it computed them (float64, as one process reports them).
  const test = packF64([m.testLoss ?? NaN, m.testAccuracy ?? NaN, m.seconds]);
  await group.broadcast(test, 0);
  const [testLoss, testAccuracy, seconds] = unpackF64(test) as [number, number, number];
  const [lossSum, hits, seen] = sums as unknown as [number, number, number];
  const out: EpochMetrics = { ...m, trainLoss: lossSum / seen, trainAccuracy: hits / seen, seconds, imagesPerSecond: seen / seconds };
  if (testN !== undefined) {
    const n = sums[5]!;
    if (n > 0) [out.testLoss, out.testAccuracy] = [sums[3]! / n, sums[4]! / n];
    return out;
  }
  if (!Number.isNaN(testLoss)) out.testLoss = testLoss;
  if (!Number.isNaN(testAccuracy)) out.testAccuracy = testAccuracy;
  return out;
}

/**
 * Float64 values as float32 triples hi + mid + lo (each the float32 rounding of what is left):
 * 3 × 24 significant bits cover a double's 53, so unpackF64 gives back every value exactly
 * (NaN and ±Infinity travel in hi). Collectives carry float32 only.
 */
export function packF64(vs: readonly number[]): Float32Array {
  const out = new Float32Array(3 * vs.length);
  vs.forEach((v, i) => {
    const hi = Math.fround(v);
    const mid = Number.isFinite(v) ? Math.fround(v - hi) : 0;
    out.set([hi, mid, Number.isFinite(v) ? Math.fround(v - hi - mid) : 0], 3 * i);
  });
  return out;
}

export function unpackF64(p: Float32Array): number[] {
  return Array.from({ length: p.length / 3 }, (_, i) => (Number.isFinite(p[3 * i]) ? p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]! : p[3 * i]!));
}
