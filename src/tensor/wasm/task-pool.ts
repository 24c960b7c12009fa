/**
 * A helper thread that shares GEMM tiles with the main thread, on the kernel module's shared
 * memory. Work stealing through one atomic counter: each thread claims tiles until none are left,
 * so a helper that is slow to wake (or busy on a loaded machine) costs nothing but its share.
 * The main thread blocks in Atomics.wait only for tiles the helper has already claimed.
 */
import { Worker } from 'node:worker_threads';
import { LeptonError } from '../../core/errors.js';
import { type KernelExports, type WasmMemory, type WasmModule } from './wasm-api.js';

// Words of the control block (Int32Array on a SharedArrayBuffer).
const SEQ = 0; // bumped for each job, the helper sleeps on it
const REMAINING = 1; // tiles not yet claimed; a claim is a compare-exchange r -> r-1 taking tile r-1
const DONE = 2; // tiles finished
const ERR = 3; // set when the helper's kernel threw
const STOP = 4;
const ARGS = 5; // m, n, k, apack, bpack, c, tileRows, tileCols, tilesAcross, tmpHelper
const WORDS = 16;

/**
 * Claim and run tiles until none are left. Shared by both threads: the helper gets this function's
 * source. Arguments are read only after a successful claim, when the job cannot finish under us.
 */
function drain(ex: KernelExports, ctrl: Int32Array, tmp: number): void {
  for (;;) {
    const r = Atomics.load(ctrl, 1);
    if (r <= 0) return;
    if (Atomics.compareExchange(ctrl, 1, r, r - 1) !== r) continue;
    const t = r - 1;
    const m = ctrl[5]!, n = ctrl[6]!, k = ctrl[7]!, tr = ctrl[11]!, tc = ctrl[12]!, across = ctrl[13]!;
    const i0 = Math.floor(t / across) * tr;
    const j0 = (t % across) * tc;
    try {
      ex.gemmTile(m, n, k, ctrl[8]!, ctrl[9]!, ctrl[10]!, i0, Math.min(m, i0 + tr), j0, Math.min(n, j0 + tc), tmp < 0 ? ctrl[14]! : tmp);
    } catch {
      Atomics.store(ctrl, 3, 1);
    }
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
  drain(ex, ctrl, -1);
}
`;

export interface GemmJob {
  m: number;
  n: number;
  k: number;
  apack: number;
  bpack: number;
  c: number;
  tileRows: number;
  tileCols: number;
  /** Scratch for the main thread's and the helper's edge tiles. */
  tmpMain: number;
  tmpHelper: number;
}

/** Runs GEMM tiles on the calling thread, with one helper thread joining when asked. */
export class GemmPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private worker: Worker | null = null;

  constructor(
    private readonly ex: KernelExports,
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
  ) {}

  /** Run all tiles of `job`; `parallel` wakes the helper (started on first use). */
  run(job: GemmJob, parallel: boolean): void {
    const across = Math.ceil(job.n / job.tileCols);
    const tiles = Math.ceil(job.m / job.tileRows) * across;
    const c = this.ctrl;
    c.set([job.m, job.n, job.k, job.apack, job.bpack, job.c, job.tileRows, job.tileCols, across, job.tmpHelper], ARGS);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERR, 0);
    Atomics.store(c, REMAINING, tiles); // publishes the job: claims may start now
    if (parallel && tiles > 1) {
      this.ensureWorker();
      Atomics.add(c, SEQ, 1);
      Atomics.notify(c, SEQ);
    }
    drain(this.ex, c, job.tmpMain);
    for (let d = Atomics.load(c, DONE); d < tiles; d = Atomics.load(c, DONE)) Atomics.wait(c, DONE, d, 1000);
    if (Atomics.load(c, ERR) !== 0) throw new LeptonError('LEPTON_ERR_INTERNAL', 'a WebAssembly GEMM tile failed (out-of-bounds access in the kernel module)');
  }

  private ensureWorker(): void {
    if (this.worker) return;
    const w = new Worker(HELPER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory, control: this.ctrl.buffer } });
    w.unref(); // never keeps the process alive
    w.on('error', () => {
      // The helper died (it cannot take claims any more); the main thread carries on alone.
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
