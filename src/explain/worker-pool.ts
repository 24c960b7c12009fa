/**
 * Explanations off the event loop, bounded: one worker thread (started on first use, holding the
 * model it loaded once) runs `concurrency` requests at a time with at most `maxQueue` waiting;
 * beyond that a request is refused at once with LEPTON_ERR_QUEUE_FULL (429, Retry-After), so a
 * burst of explanations can neither starve predictions nor pile up unbounded.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/worker.js';
import { ERROR_STATUS, LeptonError, type ErrorCode } from '../core/errors.js';
import { type ExplainOptions } from './index.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-entry.js';

export interface ExplainPoolOptions extends WorkerInit {
  /** Requests computed at once (default 1: one core for explanations). */
  concurrency?: number;
  /** Requests allowed to wait (default 4). */
  maxQueue?: number;
  /** Retry-After seconds on a full queue (default 1). */
  retryAfter?: number;
}



type Pending = { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void };

export class ExplainPool {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly maxQueue: number;

  constructor(private readonly o: ExplainPoolOptions) {
    this.concurrency = o.concurrency ?? 1;
    this.maxQueue = o.maxQueue ?? 4;
  }

  /** Requests running and waiting (for metrics and tests). */
  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  async explain(input: WorkerRequest['input'], options: ExplainOptions): Promise<Record<string, unknown>> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        throw new LeptonError('LEPTON_ERR_QUEUE_FULL', `explanations are busy (${this.active} running, ${this.waiting.length} waiting); retry shortly`, { retryAfter: this.o.retryAfter ?? 1 });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await this.send(input, options);
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand the slot over: `active` stays the same
      else this.active--;
    }
  }

  private send(input: WorkerRequest['input'], options: ExplainOptions): Promise<Record<string, unknown>> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, input, options } satisfies WorkerRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const init: WorkerInit = { model: this.o.model, ...(this.o.image && { image: this.o.image }), ...(this.o.limitInputPixels !== undefined && { limitInputPixels: this.o.limitInputPixels }) };
    const w = startModuleWorker(new URL('./worker-entry.js', import.meta.url), { workerData: init });
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.hasOwn(ERROR_STATUS, m.code) ? new LeptonError(m.code as ErrorCode, m.message) : new LeptonError('LEPTON_ERR_INTERNAL', m.message));
    });
    const fail = (err: Error): void => {
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new LeptonError('LEPTON_ERR_INTERNAL', `the explanation worker stopped: ${err.message}`, { cause: err }));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = w;
    return w;
  }

  /** Stop the worker (server shutdown). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
