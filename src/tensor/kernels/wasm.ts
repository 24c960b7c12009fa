/**
 * The WebAssembly SIMD backend: copies operands into the module's linear memory, packs and
 * multiplies there (on two threads for large jobs), and copies results back. The copies are O(n²)
 * against the O(n³) product and keep the Kernels interface plain Float32Arrays; convolutions run a
 * whole batch per call so their unfold buffers never leave wasm memory.
 */
import { availableParallelism } from 'node:os';
import { LeptonError } from '../../core/errors.js';
import { TaskPool, type PoolStats } from '../wasm/task-pool.js';
import { type LoadedKernels, loadWasmKernels } from '../wasm/loader.js';
import { JOB_CONV_BWD, JOB_CONV_FWD, JOB_GEMM, JOB_WORDS, PAGE } from '../wasm/wasm-api.js';
import { jsKernels } from './js.js';
import { type ConvBackward, type ConvForward, type ConvGeometry, type Kernels, type PoolGeometry } from './types.js';

export interface WasmKernelOptions {
  /** Threads for large jobs: 1, or 2 (the caller plus one helper). Default: 2 when the machine has 2+ cores. */
  threads?: number;
  /** Jobs below this many flops stay on the calling thread. Default 4e6 (~0.1 ms of work). */
  parallelMinFlops?: number;
  /** Convolution batches are cut into chunks of at most this many bytes of operands. Default 64 MiB. */
  convChunkBytes?: number;
}

export interface WasmKernels extends Kernels {
  /** Helper-thread statistics (benchmarks, tests). */
  stats(): PoolStats;
  /** Stop the helper thread. */
  close(): Promise<void>;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

function checkLen(name: string, arr: Float32Array, need: number): void {
  if (arr.length < need) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `kernel operand ${name} has ${arr.length} elements, needs ${need}`);
}

/** Build the wasm Kernels on a loaded module. */
export function createWasmKernels(w: LoadedKernels, opts: WasmKernelOptions = {}): WasmKernels {
  const ex = w.exports;
  const MR = ex.MR.value;
  const NR = ex.NR.value;
  const threads = Math.max(1, Math.min(2, opts.threads ?? availableParallelism()));
  const parallelMinFlops = opts.parallelMinFlops ?? 4e6;
  const convChunkBytes = opts.convChunkBytes ?? 64 * 2 ** 20;
  const pool = new TaskPool(ex, w.module, w.memory);
  const job = align(ex.heapBase()); // the job descriptor; operands follow it
  const base = align(job + 4 * JOB_WORDS);
  let view = new Float32Array(w.memory.buffer);
  let words = new Int32Array(w.memory.buffer);

  /** Make linear memory at least `end` bytes; false when it cannot grow that far. */
  function reserve(end: number): boolean {
    const have = w.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > w.maxPages) return false;
      try {
        w.memory.grow(pages);
      } catch {
        return false;
      }
    }
    // Shared memory keeps old buffers valid but short, so refresh the views after any growth.
    if (view.byteLength !== w.memory.buffer.byteLength) {
      view = new Float32Array(w.memory.buffer);
      words = new Int32Array(w.memory.buffer);
    }
    return true;
  }

  const put = (src: Float32Array, off: number, n: number): void => view.set(src.subarray(0, n), off >> 2);
  const take = (dst: Float32Array, off: number, n: number): void => dst.set(view.subarray(off >> 2, (off >> 2) + n));

  function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void {
    checkLen('a', a, m * k);
    checkLen('b', b, k * n);
    checkLen('c', c, m * n);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    const aOff = base;
    const bOff = align(aOff + 4 * m * k);
    const cOff = align(bOff + 4 * k * n);
    const apOff = align(cOff + 4 * m * n);
    const bpOff = align(apOff + 4 * Math.ceil(m / MR) * MR * k);
    const tmp0 = align(bpOff + 4 * Math.ceil(n / NR) * NR * k);
    const tmp1 = align(tmp0 + 4 * MR * NR);
    if (!reserve(tmp1 + 4 * MR * NR)) return jsKernels.gemm(transA, transB, m, n, k, a, b, c, accumulate);
    put(a, aOff, m * k);
    put(b, bOff, k * n);
    if (accumulate) put(c, cOff, m * n); // otherwise the kernel overwrites C
    ex.packA(transA ? 1 : 0, m, k, aOff, apOff);
    ex.packB(transB ? 1 : 0, k, n, bOff, bpOff);
    // Tiles start at 16 panels each way and halve (rows first) until there are 16 of them: enough
    // to balance two threads when one starts late, big enough to amortise reloading panels.
    let tileRows = 16 * MR;
    let tileCols = 16 * NR;
    while (Math.ceil(m / tileRows) * Math.ceil(n / tileCols) < 16 && (tileRows > 2 * MR || tileCols > 4 * NR)) {
      if (tileRows > 2 * MR && (tileRows >= tileCols / 2 || tileCols <= 4 * NR)) tileRows >>= 1;
      else tileCols >>= 1;
    }
    const across = Math.ceil(n / tileCols);
    words.set([JOB_GEMM, m, n, k, apOff, bpOff, cOff, tileRows, tileCols, across, tmp0, tmp1, accumulate ? 1 : 0], job >> 2);
    pool.run(job, Math.ceil(m / tileRows) * across, threads > 1 && 2 * m * n * k >= parallelMinFlops);
    take(c, cOff, m * n);
  }

  function im2col(x: Float32Array, g: ConvGeometry, cols: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('x', x, xn);
    checkLen('cols', cols, cn);
    const colsOff = align(base + 4 * xn);
    if (!reserve(colsOff + 4 * cn)) return jsKernels.im2col(x, g, cols);
    put(x, base, xn);
    ex.im2col(base, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, colsOff);
    take(cols, colsOff, cn);
  }

  function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('cols', cols, cn);
    checkLen('dx', dx, xn);
    const colsOff = align(base + 4 * xn);
    if (!reserve(colsOff + 4 * cn)) return jsKernels.col2im(cols, g, dx);
    put(dx, base, xn);
    put(cols, colsOff, cn);
    ex.col2im(colsOff, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, base);
    take(dx, base, xn);
  }

  const geometryWords = (g: ConvGeometry, o: number): number[] => [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, o];

  /** Images per chunk so one chunk's x and y stay under the byte budget. */
  function chunkOf(n: number, perImageBytes: number): number {
    return Math.max(1, Math.min(n, Math.floor(convChunkBytes / perImageBytes)));
  }

  function conv2dForward(p: ConvForward): void {
    const { x, w: wt, bias, g, n, o, y } = p;
    const ckk = g.c * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    const chw = g.c * g.h * g.w;
    checkLen('x', x, n * chw);
    checkLen('w', wt, o * ckk);
    checkLen('y', y, n * o * ohw);
    if (bias) checkLen('bias', bias, o);
    if (n === 0) return;
    const chunk = chunkOf(n, 4 * (chw + o * ohw));
    const wOff = base;
    const wpOff = align(wOff + 4 * o * ckk);
    const biasOff = align(wpOff + 4 * Math.ceil(o / MR) * MR * ckk);
    const xOff = align(biasOff + 4 * o);
    const yOff = align(xOff + 4 * chunk * chw);
    const scratchOff = align(yOff + 4 * chunk * o * ohw);
    const stride = align(ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 7));
    if (!reserve(scratchOff + threads * stride)) return jsKernels.conv2dForward(p);
    put(wt, wOff, o * ckk);
    ex.packA(0, o, ckk, wOff, wpOff);
    if (bias) put(bias, biasOff, o);
    const parallel = threads > 1 && 2 * o * ohw * ckk * Math.min(n, chunk) >= parallelMinFlops;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const cn = Math.min(chunk, n - i0);
      put(x.subarray(i0 * chw), xOff, cn * chw);
      words.set([JOB_CONV_FWD, ...geometryWords(g, o), xOff, yOff, wpOff, bias ? biasOff : 0, 0, 0, scratchOff, stride], job >> 2);
      pool.run(job, cn, parallel);
      take(y.subarray(i0 * o * ohw), yOff, cn * o * ohw);
    }
  }

  function conv2dBackward(p: ConvBackward): void {
    const { x, w: wt, gy, g, n, o, gw, gb, gx } = p;
    const ckk = g.c * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    const chw = g.c * g.h * g.w;
    checkLen('x', x, n * chw);
    checkLen('w', wt, o * ckk);
    checkLen('gy', gy, n * o * ohw);
    if (gw) checkLen('gw', gw, o * ckk);
    if (gb) checkLen('gb', gb, o);
    if (gx) checkLen('gx', gx, n * chw);
    if (n === 0 || (!gw && !gb && !gx)) return;
    const chunk = chunkOf(n, 4 * (2 * chw + o * ohw));
    const wOff = base;
    const wtpOff = align(wOff + 4 * o * ckk);
    const xOff = align(wtpOff + 4 * Math.ceil(ckk / MR) * MR * o);
    const gyOff = align(xOff + 4 * chunk * chw);
    const gxOff = align(gyOff + 4 * chunk * o * ohw);
    const scratchOff = align(gxOff + 4 * chunk * chw);
    const stride = align(ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 7));
    if (!reserve(scratchOff + threads * stride)) return jsKernels.conv2dBackward(p);
    // Accumulators live in each thread's scratch: thread 0 starts from the caller's gradients.
    const gwAcc = (th: number): number => scratchOff + th * stride + ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 5);
    const gbAcc = (th: number): number => scratchOff + th * stride + ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 6);
    for (let th = 0; th < threads; th++) {
      if (gw) {
        if (th === 0) put(gw, gwAcc(0), o * ckk);
        else view.fill(0, gwAcc(th) >> 2, (gwAcc(th) >> 2) + o * ckk);
      }
      if (gb) {
        if (th === 0) put(gb, gbAcc(0), o);
        else view.fill(0, gbAcc(th) >> 2, (gbAcc(th) >> 2) + o);
      }
    }
    if (gx) {
      put(wt, wOff, o * ckk);
      ex.packA(1, ckk, o, wOff, wtpOff); // Wᵀ [ckk, o] from W stored [o, ckk]
    }
    const flopsPerImage = 2 * o * ohw * ckk * ((gw ? 1 : 0) + (gx ? 1 : 0));
    const parallel = threads > 1 && flopsPerImage * Math.min(n, chunk) >= parallelMinFlops;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const cn = Math.min(chunk, n - i0);
      if (gw) put(x.subarray(i0 * chw), xOff, cn * chw);
      put(gy.subarray(i0 * o * ohw), gyOff, cn * o * ohw);
      if (gx) put(gx.subarray(i0 * chw), gxOff, cn * chw);
      words.set([JOB_CONV_BWD, ...geometryWords(g, o), xOff, gyOff, wtpOff, gb ? 1 : 0, gw ? 1 : 0, gx ? gxOff : 0, scratchOff, stride], job >> 2);
      pool.run(job, cn, parallel);
      if (gx) take(gx.subarray(i0 * chw), gxOff, cn * chw);
    }
    if (gw) {
      for (let th = 1; th < threads; th++) ex.addInto(gwAcc(0), gwAcc(th), o * ckk);
      take(gw, gwAcc(0), o * ckk);
    }
    if (gb) {
      for (let th = 1; th < threads; th++) ex.addInto(gbAcc(0), gbAcc(th), o);
      take(gb, gbAcc(0), o);
    }
  }

  // ReLU's gradient reads three arrays and writes one: copying them through wasm memory costs
  // more than the branch-free JS loop, so the wasm backend reuses that one (measured, bench/kernels.ts).
  function relu(x: Float32Array, y: Float32Array, n: number): void {
    checkLen('x', x, n);
    checkLen('y', y, n);
    const yOff = align(base + 4 * n);
    if (!reserve(yOff + 4 * n)) return jsKernels.relu(x, y, n);
    put(x, base, n);
    ex.relu(base, yOff, n);
    take(y, yOff, n);
  }

  function maxPool2d(x: Float32Array, g: PoolGeometry, planes: number, y: Float32Array, arg: Int32Array): void {
    const xn = planes * g.h * g.w;
    const yn = planes * g.oh * g.ow;
    checkLen('x', x, xn);
    checkLen('y', y, yn);
    if (arg.length < yn) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `kernel operand arg has ${arg.length} elements, needs ${yn}`);
    const yOff = align(base + 4 * xn);
    const argOff = align(yOff + 4 * yn);
    if (!reserve(argOff + 4 * yn)) return jsKernels.maxPool2d(x, g, planes, y, arg);
    put(x, base, xn);
    ex.maxPool2d(base, planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, yOff, argOff);
    take(y, yOff, yn);
    arg.set(words.subarray(argOff >> 2, (argOff >> 2) + yn));
  }

  return { name: 'wasm', gemm, im2col, col2im, conv2dForward, conv2dBackward, relu, reluBackward: jsKernels.reluBackward, maxPool2d, stats: () => pool.stats(), close: () => pool.close() };
}

/** The default wasm backend, or null when build/ holds no usable module (the JS kernels then serve). */
export function defaultWasmKernels(): WasmKernels | null {
  const loaded = loadWasmKernels();
  return loaded ? createWasmKernels(loaded) : null;
}
