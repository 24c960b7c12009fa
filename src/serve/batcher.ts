/**
 * Dynamic batching: concurrent requests are queued and handed to the engine as one batch.
 * Hand-written because it is the product's core (bounded queue with 429 + Retry-After, per-item
 * deadlines that drop work before it is computed once it can no longer finish in time, adaptive
 * wait) and generic queue libraries offer none of these semantics together.
 */
import { LeptonError } from '../core/errors.js';
import { LatencyModel } from './latency-model.js';

export interface BatcherOptions {
  /** Most rows in one batch. */
  maxBatch: number;
  /** Longest the oldest queued item waits for the batch to fill, ms. */
  maxWaitMs: number;
  /** Most rows waiting; beyond it submit() rejects with LEPTON_ERR_QUEUE_FULL (413 for an item larger than this alone). */
  maxQueue: number;
  /** Default per-item deadline, ms; an expired item is rejected (504) and never computed. */
  timeoutMs: number;
  /** Adaptive mode: pick the wait from a fitted latency model to meet this p99 (ms). */
  p99TargetMs?: number;
  /** Batches run at once. Default 1: the engine already uses every core for one batch. */
  concurrency?: number;
  /** Called after each batch with its row count and duration (metrics hook). */
  onBatch?: (rows: number, durationMs: number) => void;
  /** Called when the queue depth changes (metrics hook). */
  onDepth?: (rows: number) => void;
}

/** Runs one batch; must return one result per item, in order. */
export type BatchRunner<I, O> = (items: I[]) => Promise<O[]>;

interface Pending<I, O> {
  item: I;
  rows: number;
  enqueued: number;
  deadline: number;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private head = 0;
  private queuedRows = 0;
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private timerDue = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private sweepEveryMs = Infinity;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  readonly latency = new LatencyModel();

  constructor(
    private readonly runBatch: BatchRunner<I, O>,
    private readonly options: BatcherOptions,
    private readonly rowsOf: (item: I) => number = () => 1,
  ) {
    if (!(options.maxBatch >= 1 && options.maxQueue >= 1 && options.maxWaitMs >= 0 && options.timeoutMs > 0)) {
      throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'batcher: maxBatch and maxQueue must be ≥ 1, maxWaitMs ≥ 0, timeoutMs > 0');
    }
  }

  /** Rows waiting (not yet handed to the engine). */
  get depth(): number {
    return this.queuedRows;
  }

  /** The deadline an item gets when submit() is given none, ms. */
  get defaultTimeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Batches currently running. */
  get inFlight(): number {
    return this.running;
  }

  /** The wait in force now (adaptive or static), ms. */
  currentWaitMs(): number {
    const o = this.options;
    if (o.p99TargetMs === undefined) return o.maxWaitMs;
    return this.latency.chooseWait(o.p99TargetMs, o.maxBatch, Math.max(o.maxWaitMs, o.p99TargetMs / 2), o.maxWaitMs);
  }

  /**
   * Queue one item; resolves with its result. Rejects with LEPTON_ERR_PAYLOAD_TOO_LARGE (413) when the
   * item alone has more rows than the queue holds, LEPTON_ERR_QUEUE_FULL (429, Retry-After) when full,
   * LEPTON_ERR_DEADLINE_EXCEEDED (504) at once when the work queued ahead of it cannot finish within
   * `timeoutMs`, or later when its deadline would pass before its batch finished (never computed),
   * LEPTON_ERR_NOT_READY after close().
   */
  submit(item: I, timeoutMs = this.options.timeoutMs): Promise<O> {
    if (this.closed) return Promise.reject(new LeptonError('LEPTON_ERR_NOT_READY', 'server is shutting down', { retryAfter: 1 }));
    const rows = this.rowsOf(item);
    // Larger than the whole queue: no wait would ever admit it, so refuse it for good (no Retry-After).
    if (rows > this.options.maxQueue) {
      return Promise.reject(
        new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `this request has ${rows} rows; the queue holds at most ${this.options.maxQueue} (--max-queue); split it into smaller requests`, {
          details: { rows, maxQueue: this.options.maxQueue },
        }),
      );
    }
    if (this.queuedRows + rows > this.options.maxQueue) {
      return Promise.reject(
        new LeptonError('LEPTON_ERR_QUEUE_FULL', `queue full (${this.queuedRows} of ${this.options.maxQueue} rows waiting); retry later`, {
          retryAfter: this.retryAfterSeconds(),
        }),
      );
    }
    const ahead = this.workAheadMs(rows);
    if (ahead > timeoutMs) {
      return Promise.reject(
        new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `about ${Math.ceil(ahead)} ms of work is queued ahead of this request, past its ${timeoutMs} ms deadline; it was not computed`, {
          details: { aheadMs: Math.ceil(ahead), timeoutMs },
        }),
      );
    }
    return new Promise<O>((resolve, reject) => {
      const now = performance.now();
      this.queue.push({ item, rows, enqueued: now, deadline: now + timeoutMs, resolve, reject });
      this.queuedRows += rows;
      this.options.onDepth?.(this.queuedRows);
      this.ensureSweeper(timeoutMs);
      this.schedule();
    });
  }

  /** Expected duration of one batch of `rows`, ms, from the latency model; 0 until it has seen 8 batches (no guessing). */
  private batchMs(rows: number): number {
    const f = this.latency.fit();
    return f.samples < 8 ? 0 : f.a + f.b * Math.min(rows, this.options.maxBatch);
  }

  /** Time until an item of `rows` joining now would have its result: running batches, the queue ahead, its own batch. */
  private workAheadMs(rows: number): number {
    const o = this.options;
    const total = this.queuedRows + rows;
    const batches = Math.ceil(total / o.maxBatch) + (this.running >= (o.concurrency ?? 1) ? 1 : 0);
    return (batches * this.batchMs(Math.min(total, o.maxBatch))) / (o.concurrency ?? 1);
  }

  /** Stop taking new items; queued and running work still completes. */
  close(): void {
    this.closed = true;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queuedRows === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Seconds until the queue would likely drain, from the latency model; at least 1. */
  private retryAfterSeconds(): number {
    const f = this.latency.fit();
    const batches = Math.ceil(this.queuedRows / this.options.maxBatch);
    const ms = batches * (f.a + f.b * this.options.maxBatch);
    return Math.max(1, Math.ceil(ms / 1000));
  }

  private get pendingCount(): number {
    return this.queue.length - this.head;
  }

  private schedule(): void {
    if (this.running >= (this.options.concurrency ?? 1) || this.pendingCount === 0) return;
    if (this.queuedRows >= this.options.maxBatch) {
      this.clearTimer();
      this.dispatch();
      return;
    }
    const now = performance.now();
    const due = this.queue[this.head]!.enqueued + this.currentWaitMs();
    // Keep an existing timer unless this one must fire sooner; resetting on every submit would starve.
    if ((this.timer !== null || this.immediate !== null) && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    const fire = (): void => {
      this.timer = null;
      this.immediate = null;
      this.dispatch();
    };
    // Due now: setImmediate still lets requests parsed in this same I/O turn join the batch.
    if (due <= now) this.immediate = setImmediate(fire);
    else this.timer = setTimeout(fire, due - now);
  }

  private clearTimer(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.immediate = null;
  }

  /**
   * Expired items must fail on time even while the engine is busy, so a sweeper checks deadlines
   * while anything is queued, at a quarter of the shortest deadline queued (5..100 ms).
   */
  private ensureSweeper(timeoutMs: number): void {
    const every = Math.max(5, Math.min(100, timeoutMs / 4));
    if (this.sweeper !== null && every >= this.sweepEveryMs) return;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweepEveryMs = every;
    this.sweeper = setInterval(() => {
      this.dropExpired();
      if (this.pendingCount === 0 && this.sweeper !== null) {
        clearInterval(this.sweeper);
        this.sweeper = null;
        this.sweepEveryMs = Infinity;
      }
    }, every);
  }

  /** Drop items whose deadline passes within `horizonMs` (the batch about to run): they could not finish in time. */
  private dropExpired(horizonMs = 0): void {
    const now = performance.now();
    let kept = this.head;
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      if (p.deadline <= now + horizonMs) {
        this.queuedRows -= p.rows;
        const why = p.deadline <= now ? 'past its deadline' : 'too close to its deadline for its batch to finish';
        p.reject(new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `request waited ${Math.round(now - p.enqueued)} ms, ${why}; it was not computed`));
      } else {
        this.queue[kept++] = p;
      }
    }
    this.queue.length = kept;
    this.options.onDepth?.(this.queuedRows);
    this.notifyIdle();
  }

  private take(): Array<Pending<I, O>> {
    this.dropExpired(this.batchMs(this.queuedRows));
    const batch: Array<Pending<I, O>> = [];
    let rows = 0;
    while (this.head < this.queue.length) {
      const p = this.queue[this.head]!;
      // An item larger than maxBatch runs alone rather than never.
      if (batch.length > 0 && rows + p.rows > this.options.maxBatch) break;
      batch.push(p);
      rows += p.rows;
      this.head++;
    }
    this.queuedRows -= rows;
    // Compact occasionally so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    this.options.onDepth?.(this.queuedRows);
    return batch;
  }

  private dispatch(): void {
    if (this.running >= (this.options.concurrency ?? 1)) return;
    const batch = this.take();
    if (batch.length === 0) {
      this.notifyIdle();
      return;
    }
    this.running++;
    const rows = batch.reduce((s, p) => s + p.rows, 0);
    const start = performance.now();
    let results: Promise<O[]>;
    try {
      results = this.runBatch(batch.map((p) => p.item));
    } catch (err) {
      results = Promise.reject(err);
    }
    results.then(
      (outs) => {
        const ms = performance.now() - start;
        this.latency.observe(rows, ms);
        this.options.onBatch?.(rows, ms);
        batch.forEach((p, i) => {
          const o = outs[i];
          if (o === undefined) p.reject(new LeptonError('LEPTON_ERR_ENGINE', 'batch runner returned too few results'));
          else p.resolve(o);
        });
        this.finish();
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
        this.finish();
      },
    );
    // With concurrency > 1 another batch may start at once.
    this.schedule();
  }

  private finish(): void {
    this.running--;
    this.schedule();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.queuedRows === 0 && this.running === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }
}
