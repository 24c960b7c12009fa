/**
 * JS binding of the HOG kernels (assembly/hog.ts): cell histograms and L2-Hys blocks. Its own instance of the kernel module
 * with its own memory, like codes-api.ts: the GEMM arena is for the tensor kernels, and HOG is
 * called 70k times in a row from plain code, so one small resident scratch (image + cells) is
 * reused; only the image goes in and the features come out. null when WebAssembly is unavailable or the module predates hog.ts (callers keep JS).
 */
import { Arena, align } from './arena.js';
import { type LoadedKernels, loadWasmKernels } from './loader.js';

interface HogExports {
  hogCells(img: number, h: number, w: number, cs: number, bins: number, cells: number): void;
  hogBlocks(cells: number, cellsY: number, cellsX: number, bs: number, bins: number, clip: number, out: number): void;
}

export interface HogKernel {
  /**
   * HOG of img [h, w] into out [blocksY, blocksX, bs, bs, bins] (cells of cs px, blocks of bs
   * cells stepping one cell, L2-Hys at clip). false when memory cannot grow (the caller uses JS).
   */
  hog(img: Float32Array, h: number, w: number, cs: number, bs: number, bins: number, clip: number, out: Float32Array): boolean;
}

class WasmHog implements HogKernel {
  private readonly arena: Arena;
  private readonly ex: HogExports;

  constructor(private readonly w: LoadedKernels) {
    this.arena = new Arena(w);
    this.ex = w.exports as unknown as HogExports;
  }

  hog(img: Float32Array, h: number, w: number, cs: number, bs: number, bins: number, clip: number, out: Float32Array): boolean {
    const cellsY = Math.floor(h / cs);
    const cellsX = Math.floor(w / cs);
    const imgOff = this.arena.base;
    const cellsOff = align(imgOff + 4 * h * w);
    const outOff = align(cellsOff + 4 * cellsY * cellsX * bins);
    const n = (cellsY - bs + 1) * (cellsX - bs + 1) * bs * bs * bins;
    if (out.length !== n || !this.arena.reserve(outOff + 4 * n)) return false;
    const buf = this.w.memory.buffer;
    new Float32Array(buf, imgOff, h * w).set(img);
    this.ex.hogCells(imgOff, h, w, cs, bins, cellsOff);
    this.ex.hogBlocks(cellsOff, cellsY, cellsX, bs, bins, clip, outOff);
    out.set(new Float32Array(buf, outOff, n));
    return true;
  }
}

let kernel: HogKernel | null | undefined;

/** The process-wide HOG kernel (made on first use), or null without WebAssembly. */
export function hogKernel(): HogKernel | null {
  if (kernel === undefined) {
    const w = loadWasmKernels({ relaxedSimd: false });
    const usable = w && typeof (w.exports as unknown as Partial<HogExports>).hogBlocks === 'function';
    kernel = usable ? new WasmHog(w) : null;
  }
  return kernel;
}
