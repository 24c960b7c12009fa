/**
 * A helper thread that shares the tasks of a job (GEMM tiles, images of a convolution batch) with
 * the calling thread, on the kernel module's shared memory. Work stealing through one atomic
 * counter: each thread claims tasks until none are left, so a helper that is slow to wake costs
 * nothing but its share. The caller blocks (Atomics.wait) only for tasks the helper already claimed.
 */
import { Worker } from 'node:worker_threads';
import { LeptonError } from '../../core/errors.js';
import { type KernelExports, type WasmMemory, type WasmModule } from './wasm-api.js';

// Words of the control block (Int32Array on a SharedArrayBuffer).
const SEQ = 0; // bumped for each job the helper should join; it sleeps on this word
const REMAINING = 1; // tasks not yet claimed; a claim is a compare-exchange r -> r-1 taking task r-1
const DONE = 2; // tasks finished
const ERR = 3; // set when a task threw
const STOP = 4;
const JOB = 5; // byte offset of the job descriptor in linear memory
const HELPER_TASKS = 6; // tasks the helper has run, ever (stats)
const WORDS = 8;

/**
 * Claim and run tasks until none are left; `th` is 0 on the caller, 1 on the helper. The helper
 * gets this function's source, so it uses literal indices only. The job word is read after a
 * successful claim, when the job cannot finish (and be replaced) under us.
 */
function drain(ex: KernelExports, ctrl: Int32Array, th: number): number {
  let ran = 0;
  for (;;) {
    const r = Atomics.load(ctrl, 1);
    if (r <= 0) return ran;
    if (Atomics.compareExchange(ctrl, 1, r, r - 1) !== r) continue;
    try {
      ex.runTask(Atomics.load(ctrl, 5), r - 1, th);
    } catch {
      Atomics.store(ctrl, 3, 1);
    }
    if (th !== 0) Atomics.add(ctrl, 6, 1);
    ran++;
    Atomics.add(ctrl, 2, 1);
    Atomics.notify(ctrl, 2);
  }
}

const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
const drain = ${drain.toString()};
let seen = Atomics.load(ctrl, ${SEQ});
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  drain(ex, ctrl, 1);
}
`;

export interface PoolStats {
  parallelJobs: number;
  /** Time the caller spent waiting for the helper's last tasks, and jobs where that exceeded its own work. */
  waitedMs: number;
  lateJobs: number;
  /** Jobs run alone because the helper had recently been late or not paying off (a busy machine). */
  backedOff: number;
  helperTasks: number;
}

/**
 * Runs a job's tasks on the calling thread, with one helper thread joining when asked. On a busy
 * machine the helper can be descheduled mid-task and the caller then waits for it, which costs far
 * more than the helper saves. So every parallel job is judged against the caller's own pace; a
 * late helper, or a running gain below zero, turns the helper off for a while (0.5 s, doubling up
 * to a minute), after which one job probes again.
 */
export class TaskPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private worker: Worker | null = null;
  private offUntil = 0;
  private offFor = 500;
  /** Running mean of (serial estimate - actual) / serial estimate over parallel jobs. */
  private gain = 0.1;
  private readonly counts = { parallelJobs: 0, backedOff: 0, waitedMs: 0, lateJobs: 0 };

  constructor(
    private readonly ex: KernelExports,
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    /** Judge parallel jobs and back off (default); false always engages the helper (tests). */
    private readonly adaptive = true,
  ) {}

  /** Run tasks 0..tasks-1 of the job descriptor at `job`; `parallel` lets the helper join. */
  run(job: number, tasks: number, parallel: boolean): void {
    const c = this.ctrl;
    Atomics.store(c, JOB, job);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERR, 0);
    Atomics.store(c, REMAINING, tasks); // publishes the job: claims may start now
    let useHelper = parallel && tasks > 1;
    const t0 = useHelper ? performance.now() : 0;
    if (useHelper && this.adaptive && t0 < this.offUntil) {
      this.counts.backedOff++;
      useHelper = false;
    }
    if (useHelper) {
      this.ensureWorker();
      Atomics.add(c, SEQ, 1);
      Atomics.notify(c, SEQ);
    }
    const mine = drain(this.ex, c, 0);
    const t1 = useHelper ? performance.now() : 0;
    for (let d = Atomics.load(c, DONE); d < tasks; d = Atomics.load(c, DONE)) Atomics.wait(c, DONE, d, 1000);
    if (useHelper) this.judge(t1 - t0, performance.now() - t1, mine, tasks);
    if (Atomics.load(c, ERR) !== 0) throw new LeptonError('LEPTON_ERR_INTERNAL', 'a WebAssembly kernel task failed (out-of-bounds access in the kernel module)');
  }

  /** `worked` ms running `mine` of `tasks` tasks ourselves, then `waited` ms for the helper. */
  private judge(worked: number, waited: number, mine: number, tasks: number): void {
    this.counts.parallelJobs++;
    this.counts.waitedMs += waited;
    if (waited > worked) this.counts.lateJobs++;
    const serial = (worked / Math.max(1, mine)) * tasks; // what the job would have cost alone
    this.gain = 0.8 * this.gain + (0.2 * (serial - worked - waited)) / Math.max(serial, 1e-6);
    if (waited > worked || this.gain < 0) {
      this.offUntil = performance.now() + this.offFor;
      this.offFor = Math.min(this.offFor * 2, 60_000);
      this.gain = 0.1; // the next probe starts from a mildly optimistic prior
    } else if (this.gain > 0.15) {
      this.offFor = 500;
    }
  }

  stats(): PoolStats {
    return { ...this.counts, helperTasks: Atomics.load(this.ctrl, HELPER_TASKS) };
  }

  private ensureWorker(): void {
    if (this.worker) return;
    const w = new Worker(HELPER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory, control: this.ctrl.buffer } });
    w.unref(); // never keeps the process alive
    w.on('error', () => {
      // The helper died (it takes no more claims); the caller carries on alone.
      this.worker = null;
    });
    this.worker = w;
  }

  /** Stop the helper thread (tests; the process may also just exit). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    await w.terminate();
  }
}
