/**
 * JS binding of the int8 code scan (assembly/codes.ts) for the vector index. It runs on its own
 * instance of the kernel module with its own linear memory, not the shared GEMM arena: the codes
 * (15 MB for 60k × 256) stay resident between queries, which the arena's "nothing is kept between
 * calls" rule forbids, and a copy per query would cost as much as the scan. null when WebAssembly
 * is unavailable (callers keep their JS path).
 */
import { Arena, align } from './arena.js';
import { type LoadedKernels, loadWasmKernels } from './loader.js';

interface CodeExports {
  codesDotI16(codes: number, n: number, stride: number, w: number, out: number): void;
}

/** Rows are zero-padded to a multiple of this many bytes (one v128 of int8). */
export const CODE_ALIGN = 16;

export interface CodeScanner {
  /**
   * Integer dot products of int16 weights w [d] with every code row of codes [n, d] (int8):
   * returns [n] i32, a view into wasm memory valid until the next call. The codes are copied in
   * only when (owner, version) differs from the resident set. null when memory cannot grow.
   */
  dots(codes: Int8Array, n: number, d: number, w: Int16Array, owner: object, version: number): Int32Array | null;
}

/** Largest |weight| for rows of d bytes so that d·127·max|w| < 2³¹ (no i32 overflow in a lane or the sum). */
export function maxCodeWeight(d: number): number {
  const stride = Math.ceil(d / CODE_ALIGN) * CODE_ALIGN;
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (127 * stride)));
}

class WasmCodeScanner implements CodeScanner {
  private readonly arena: Arena;
  private readonly ex: CodeExports;
  private owner: object | null = null;
  private version = -1;
  private rows = 0;
  private stride = 0;

  constructor(private readonly w: LoadedKernels) {
    this.arena = new Arena(w);
    this.ex = w.exports as unknown as CodeExports;
  }

  dots(codes: Int8Array, n: number, d: number, weights: Int16Array, owner: object, version: number): Int32Array | null {
    const stride = Math.ceil(d / CODE_ALIGN) * CODE_ALIGN;
    const codesOff = this.arena.base;
    const wOff = align(codesOff + n * stride);
    const outOff = align(wOff + 2 * stride);
    if (!this.arena.reserve(outOff + 4 * n)) return null;
    const buf = this.w.memory.buffer;
    if (owner !== this.owner || version !== this.version || n !== this.rows || stride !== this.stride) {
      const dst = new Int8Array(buf, codesOff, n * stride);
      if (stride === d) dst.set(codes.subarray(0, n * d));
      else {
        dst.fill(0);
        for (let r = 0; r < n; r++) dst.set(codes.subarray(r * d, (r + 1) * d), r * stride);
      }
      this.owner = owner;
      this.version = version;
      this.rows = n;
      this.stride = stride;
    }
    const wv = new Int16Array(buf, wOff, stride);
    wv.fill(0);
    wv.set(weights.subarray(0, d));
    this.ex.codesDotI16(codesOff, n, stride, wOff, outOff);
    return new Int32Array(buf, outOff, n);
  }
}

let scanner: CodeScanner | null | undefined;

/** The process-wide code scanner (its module instance is made on first use), or null without WebAssembly. */
export function codeScanner(): CodeScanner | null {
  if (scanner === undefined) {
    const w = loadWasmKernels({ relaxedSimd: false });
    // A module built before codes.ts existed lacks the export: keep the JS path then.
    const usable = w && typeof (w.exports as unknown as Partial<CodeExports>).codesDotI16 === 'function';
    scanner = usable ? new WasmCodeScanner(w) : null;
  }
  return scanner;
}
