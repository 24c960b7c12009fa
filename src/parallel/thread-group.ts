/**
 * The threads transport: ranks are worker threads of one process sharing a SharedArrayBuffer.
 * All-reduce: each rank copies its values into its slot, then (after a barrier) rank r sums part r
 * of every slot in rank order 0, 1, …, W−1 into the result area. The summation order is fixed,
 * so results are bit-identical from run to run. Barriers are Atomics counters with timed waits,
 * so an aborted group (a rank died) or a stuck rank ends every wait with a clear error.
 */
import { LeptonError } from '../core/errors.js';
import { type ProcessGroup, type ReduceOp, checkRank, collectiveTimeout, partRange, peerLost } from './process-group.js';

// Control words (Int32Array on ctrl): a bump counter every arrival notifies on, the abort word
// (0, or 1 + the rank that failed), then one arrival count per rank.
const BUMP = 0;
const ABORT = 1;
const ARRIVE = 4;

/** What the workers share (structured-cloneable: SharedArrayBuffers are shared, not copied). */
export interface ThreadGroupShared {
  worldSize: number;
  /** Floats per slot: longer tensors go through in pieces of this many values. */
  capacity: number;
  /** Longest wait in a collective before it fails. */
  timeoutMs: number;
  ctrl: SharedArrayBuffer;
  /** worldSize slots, then the result area, each `capacity` floats. */
  data: SharedArrayBuffer;
}

/** Allocate the shared state of a `worldSize`-rank group (done once, by the launcher). */
export function createThreadGroupShared(worldSize: number, capacity = 1 << 20, timeoutMs = 120_000): ThreadGroupShared {
  checkRank(0, worldSize);
  if (!Number.isInteger(capacity) || capacity < 1) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `capacity must be a positive integer, got ${capacity}`);
  return {
    worldSize,
    capacity,
    timeoutMs,
    ctrl: new SharedArrayBuffer(4 * (ARRIVE + worldSize)),
    data: new SharedArrayBuffer(4 * capacity * (worldSize + 1)),
  };
}

/** Mark the group failed because `rank` died: every rank waiting in (or entering) a collective throws. */
export function abortThreadGroup(shared: ThreadGroupShared, rank: number): void {
  const ctrl = new Int32Array(shared.ctrl);
  Atomics.compareExchange(ctrl, ABORT, 0, rank + 1);
  Atomics.add(ctrl, BUMP, 1);
  Atomics.notify(ctrl, BUMP);
}

export class ThreadGroup implements ProcessGroup {
  readonly transport = 'threads';
  readonly worldSize: number;
  private readonly ctrl: Int32Array;
  private readonly slots: Float32Array[];
  private readonly result: Float32Array;
  private readonly capacity: number;
  private readonly timeoutMs: number;
  private arrivals = 0;
  private closed = false;

  constructor(
    shared: ThreadGroupShared,
    readonly rank: number,
  ) {
    checkRank(rank, shared.worldSize);
    this.worldSize = shared.worldSize;
    this.capacity = shared.capacity;
    this.timeoutMs = shared.timeoutMs;
    this.ctrl = new Int32Array(shared.ctrl);
    const c = shared.capacity;
    this.slots = Array.from({ length: shared.worldSize }, (_, r) => new Float32Array(shared.data, 4 * c * r, c));
    this.result = new Float32Array(shared.data, 4 * c * shared.worldSize, c);
  }

  async allReduce(data: Float32Array, op: ReduceOp = 'sum'): Promise<void> {
    this.allReduceSync(data, op);
  }

  async broadcast(data: Float32Array, root = 0): Promise<void> {
    checkRank(root, this.worldSize, 'broadcast root');
    this.check();
    for (let off = 0; off < data.length; off += this.capacity) {
      const len = Math.min(this.capacity, data.length - off);
      if (this.rank === root) this.result.set(data.subarray(off, off + len));
      this.sync('broadcast');
      if (this.rank !== root) data.set(this.result.subarray(0, len), off);
      this.sync('broadcast'); // the root may overwrite the result area only after everyone has read it
    }
  }

  async barrier(): Promise<void> {
    this.check();
    this.sync('barrier');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The collective itself, synchronous: the calling thread does its share of the reduction. */
  allReduceSync(data: Float32Array, op: ReduceOp): void {
    this.check();
    const W = this.worldSize;
    for (let off = 0; off < data.length; off += this.capacity) {
      const len = Math.min(this.capacity, data.length - off);
      this.slots[this.rank]!.set(data.subarray(off, off + len));
      this.sync('all-reduce');
      const [a, b] = partRange(len, W, this.rank);
      const res = this.result;
      res.set(this.slots[0]!.subarray(a, b), a);
      for (let r = 1; r < W; r++) {
        const s = this.slots[r]!;
        for (let i = a; i < b; i++) res[i] = res[i]! + s[i]!;
      }
      if (op === 'mean') for (let i = a; i < b; i++) res[i] = res[i]! / W;
      this.sync('all-reduce');
      data.set(res.subarray(0, len), off);
    }
  }

  private check(): void {
    if (this.closed) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'process group is closed');
    const abort = Atomics.load(this.ctrl, ABORT);
    if (abort !== 0) throw peerLost(abort - 1, 'failed (its thread stopped); stopping this rank');
  }

  /** Wait until every rank has arrived here as often as this one. */
  private sync(what: string): void {
    const c = this.ctrl;
    const target = ++this.arrivals;
    Atomics.store(c, ARRIVE + this.rank, target);
    Atomics.add(c, BUMP, 1);
    Atomics.notify(c, BUMP);
    const t0 = Date.now();
    for (;;) {
      const bump = Atomics.load(c, BUMP);
      this.check();
      const late: number[] = [];
      for (let r = 0; r < this.worldSize; r++) if (Atomics.load(c, ARRIVE + r) < target) late.push(r);
      if (late.length === 0) return;
      const waited = Date.now() - t0;
      if (waited >= this.timeoutMs) throw collectiveTimeout(what, this.timeoutMs, late);
      Atomics.wait(c, BUMP, bump, Math.min(1000, this.timeoutMs - waited));
    }
  }
}
