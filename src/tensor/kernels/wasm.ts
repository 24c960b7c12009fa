/**
 * The WebAssembly SIMD backend: copies operands into the module's linear memory, packs and
 * multiplies there (on two threads for large jobs), and copies results back. The copies are O(n²)
 * against the O(n³) product and keep the Kernels interface plain Float32Arrays; convolutions run a
 * whole batch per call so their unfold buffers never leave wasm memory.
 */
import { availableParallelism } from 'node:os';
import { LeptonError } from '../../core/errors.js';
import { Arena, align } from '../wasm/arena.js';
import { type WasmContext } from '../wasm/context.js';
import { conv2dBackward, conv2dForward } from '../wasm/conv-jobs.js';
import { depthwiseBackward, depthwiseForward } from '../wasm/depthwise-jobs.js';
import { gemmAt, gemmScratchBytes } from '../wasm/gemm-job.js';
import { recurrentBackward, recurrentForward } from '../wasm/recurrent-jobs.js';
import { residentStore } from '../wasm/resident.js';
import { TaskPool, type PoolStats } from '../wasm/task-pool.js';
import { type LoadedKernels, loadWasmKernels } from '../wasm/loader.js';
import { jsKernels } from './js.js';
import { type ConvBackward, type ConvForward, type ConvGeometry, type Kernels, type PoolGeometry } from './types.js';

export interface WasmKernelOptions {
  /** Threads for large jobs: 1, or 2 (the caller plus one helper). Default: 2 when the machine has 2+ cores. */
  threads?: number;
  /** Jobs below this many flops stay on the calling thread. Default 4e6 (~0.1 ms of work). */
  parallelMinFlops?: number;
  /** Convolution batches are cut into chunks of at most about this many bytes. Default 64 MiB. */
  convChunkBytes?: number;
  /** Winograd F(2x2,3x3) for 3x3 stride-1 convolutions with 8+ channels in and out. Default true. */
  winograd?: boolean;
  /** Pause the helper thread while it does not pay off (a busy machine). Default true; tests turn it off. */
  adaptiveThreads?: boolean;
}

export interface WasmKernels extends Kernels {
  /** Helper-thread statistics (benchmarks, tests). */
  stats(): PoolStats;
  /** Stop the helper thread. */
  close(): Promise<void>;
}

function checkLen(name: string, arr: Float32Array | Int32Array, need: number): void {
  if (arr.length < need) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `kernel operand ${name} has ${arr.length} elements, needs ${need}`);
}

/** Build the wasm Kernels on a loaded module. */
export function createWasmKernels(w: LoadedKernels, opts: WasmKernelOptions = {}): WasmKernels {
  const ex = w.exports;
  const ctx: WasmContext = {
    ex,
    arena: new Arena(w),
    pool: new TaskPool(ex, w.module, w.memory, opts.adaptiveThreads ?? true),
    threads: Math.max(1, Math.min(2, opts.threads ?? availableParallelism())),
    parallelMinFlops: opts.parallelMinFlops ?? 4e6,
    convChunkBytes: opts.convChunkBytes ?? 64 * 2 ** 20,
    winograd: opts.winograd ?? true,
    MR: ex.MR.value,
    NR: ex.NR.value,
  };
  const { arena: ar, pool } = ctx;
  const base = ar.base;

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
    const scratch = align(cOff + 4 * m * n);
    if (!ar.reserve(scratch + gemmScratchBytes(ctx, m, n, k))) return jsKernels.gemm(transA, transB, m, n, k, a, b, c, accumulate);
    ar.put(a, aOff, m * k);
    ar.put(b, bOff, k * n);
    if (accumulate) ar.put(c, cOff, m * n); // otherwise the kernel overwrites C
    gemmAt(ctx, transA, transB, m, n, k, aOff, bOff, cOff, scratch, accumulate);
    ar.take(c, cOff, m * n);
  }

  function im2col(x: Float32Array, g: ConvGeometry, cols: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('x', x, xn);
    checkLen('cols', cols, cn);
    const colsOff = align(base + 4 * xn);
    if (!ar.reserve(colsOff + 4 * cn)) return jsKernels.im2col(x, g, cols);
    ar.put(x, base, xn);
    ex.im2col(base, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, colsOff);
    ar.take(cols, colsOff, cn);
  }

  function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('cols', cols, cn);
    checkLen('dx', dx, xn);
    const colsOff = align(base + 4 * xn);
    if (!ar.reserve(colsOff + 4 * cn)) return jsKernels.col2im(cols, g, dx);
    ar.put(dx, base, xn);
    ar.put(cols, colsOff, cn);
    ex.col2im(colsOff, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, base);
    ar.take(dx, base, xn);
  }

  function checkConv(p: ConvForward | ConvBackward): void {
    const { g, n, o } = p;
    checkLen('x', p.x, n * g.c * g.h * g.w);
    checkLen('w', p.w, o * g.c * g.kh * g.kw);
    if ('y' in p) {
      checkLen('y', p.y, n * o * g.oh * g.ow);
      if (p.bias) checkLen('bias', p.bias, o);
      return;
    }
    checkLen('gy', p.gy, n * o * g.oh * g.ow);
    if (p.gw) checkLen('gw', p.gw, o * g.c * g.kh * g.kw);
    if (p.gb) checkLen('gb', p.gb, o);
    if (p.gx) checkLen('gx', p.gx, n * g.c * g.h * g.w);
  }

  // ReLU's gradient reads three arrays and writes one: copying them through wasm memory costs
  // more than the branch-free JS loop, so the wasm backend reuses that one (measured, bench/kernels.ts).
  function relu(x: Float32Array, y: Float32Array, n: number): void {
    checkLen('x', x, n);
    checkLen('y', y, n);
    const yOff = align(base + 4 * n);
    if (!ar.reserve(yOff + 4 * n)) return jsKernels.relu(x, y, n);
    ar.put(x, base, n);
    ex.relu(base, yOff, n);
    ar.take(y, yOff, n);
  }

  function maxPool2d(x: Float32Array, g: PoolGeometry, planes: number, y: Float32Array, arg: Int32Array): void {
    const xn = planes * g.h * g.w;
    const yn = planes * g.oh * g.ow;
    checkLen('x', x, xn);
    checkLen('y', y, yn);
    checkLen('arg', arg, yn);
    const yOff = align(base + 4 * xn);
    const argOff = align(yOff + 4 * yn);
    if (!ar.reserve(argOff + 4 * yn)) return jsKernels.maxPool2d(x, g, planes, y, arg);
    ar.put(x, base, xn);
    ex.maxPool2d(base, planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, yOff, argOff);
    ar.take(y, yOff, yn);
    arg.set(ar.words.subarray(argOff >> 2, (argOff >> 2) + yn));
  }

  return {
    name: 'wasm',
    gemm,
    im2col,
    col2im,
    conv2dForward: (p) => (checkConv(p), conv2dForward(ctx, p)),
    conv2dBackward: (p) => (checkConv(p), conv2dBackward(ctx, p)),
    relu,
    reluBackward: jsKernels.reluBackward,
    maxPool2d,
    depthwise3x3Forward: (p) => depthwiseForward(ctx, p),
    depthwise3x3Backward: (p) => depthwiseBackward(ctx, p),
    recurrentForward: (p) => recurrentForward(ctx, p),
    recurrentBackward: (p) => recurrentBackward(ctx, p),
    resident: (floats, buffers) => residentStore(w.module, ex.heapBase(), floats, buffers),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

/** The default wasm backend, or null when build/ holds no usable module (the JS kernels then serve). */
export function defaultWasmKernels(): WasmKernels | null {
  const loaded = loadWasmKernels();
  return loaded ? createWasmKernels(loaded) : null;
}
