/**
 * The WebAssembly SIMD backend: copies operands into the module's linear memory, packs and
 * multiplies there (optionally on two threads), and copies results back. The copies are O(n²)
 * against the O(n³) product, and keep the Kernels interface plain Float32Arrays.
 */
import { LeptonError } from '../../core/errors.js';
import { availableParallelism } from 'node:os';
import { GemmPool } from '../wasm/gemm-pool.js';
import { type LoadedKernels, loadWasmKernels } from '../wasm/loader.js';
import { PAGE } from '../wasm/wasm-api.js';
import { jsKernels } from './js.js';
import { type ConvGeometry, type Kernels } from './types.js';

export interface WasmKernelOptions {
  /** Threads for large GEMMs: 1 or 2 (the caller plus one helper). Default: 2 when the machine has 2+ cores. */
  threads?: number;
  /** GEMMs below this many flops (2·m·n·k) stay on the calling thread. Default 4e6 (~0.1 ms). */
  parallelMinFlops?: number;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

function checkLen(name: string, arr: Float32Array, need: number): void {
  if (arr.length < need) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `kernel operand ${name} has ${arr.length} elements, needs ${need}`);
}

/** Build the wasm Kernels on a loaded module. */
export function createWasmKernels(w: LoadedKernels, opts: WasmKernelOptions = {}): Kernels & { close(): Promise<void> } {
  const ex = w.exports;
  const MR = ex.MR.value;
  const NR = ex.NR.value;
  const threads = Math.max(1, Math.min(2, opts.threads ?? availableParallelism()));
  const parallelMinFlops = opts.parallelMinFlops ?? 4e6;
  const pool = new GemmPool(ex, w.module, w.memory);
  const base = align(ex.heapBase());
  let view = new Float32Array(w.memory.buffer);

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
    // Shared memory keeps old buffers valid but short, so refresh the view after any growth.
    if (view.byteLength !== w.memory.buffer.byteLength) view = new Float32Array(w.memory.buffer);
    return true;
  }

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
    const tmpMain = align(bpOff + 4 * Math.ceil(n / NR) * NR * k);
    const tmpHelper = align(tmpMain + 4 * MR * NR);
    if (!reserve(tmpHelper + 4 * MR * NR)) return jsKernels.gemm(transA, transB, m, n, k, a, b, c, accumulate);
    const f = view;
    f.set(a.subarray(0, m * k), aOff >> 2);
    f.set(b.subarray(0, k * n), bOff >> 2);
    if (accumulate) f.set(c.subarray(0, m * n), cOff >> 2);
    else f.fill(0, cOff >> 2, (cOff >> 2) + m * n);
    ex.packA(transA ? 1 : 0, m, k, aOff, apOff);
    ex.packB(transB ? 1 : 0, k, n, bOff, bpOff);
    const parallel = threads > 1 && 2 * m * n * k >= parallelMinFlops;
    // Tiles of 8 panels each way: enough of them to balance two threads, big enough to amortise.
    pool.run({ m, n, k, apack: apOff, bpack: bpOff, c: cOff, tileRows: 8 * MR, tileCols: 8 * NR, tmpMain, tmpHelper }, parallel);
    c.set(f.subarray(cOff >> 2, (cOff >> 2) + m * n));
  }

  function im2col(x: Float32Array, g: ConvGeometry, cols: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('x', x, xn);
    checkLen('cols', cols, cn);
    const xOff = base;
    const colsOff = align(xOff + 4 * xn);
    if (!reserve(colsOff + 4 * cn)) return jsKernels.im2col(x, g, cols);
    view.set(x.subarray(0, xn), xOff >> 2);
    ex.im2col(xOff, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, colsOff);
    cols.set(view.subarray(colsOff >> 2, (colsOff >> 2) + cn));
  }

  function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
    const xn = g.c * g.h * g.w;
    const cn = g.c * g.kh * g.kw * g.oh * g.ow;
    checkLen('cols', cols, cn);
    checkLen('dx', dx, xn);
    const dxOff = base;
    const colsOff = align(dxOff + 4 * xn);
    if (!reserve(colsOff + 4 * cn)) return jsKernels.col2im(cols, g, dx);
    view.set(dx.subarray(0, xn), dxOff >> 2);
    view.set(cols.subarray(0, cn), colsOff >> 2);
    ex.col2im(colsOff, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, dxOff);
    dx.set(view.subarray(dxOff >> 2, (dxOff >> 2) + xn));
  }

  return { name: 'wasm', gemm, im2col, col2im, close: () => pool.close() };
}

/** The default wasm backend, or null when build/ holds no usable module (the JS kernels then serve). */
export function defaultWasmKernels(): (Kernels & { close(): Promise<void> }) | null {
  const loaded = loadWasmKernels();
  return loaded ? createWasmKernels(loaded) : null;
}
