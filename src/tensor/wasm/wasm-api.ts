/**
 * Minimal typings for the WebAssembly JS API (TS's ES libs leave it to lib.dom, which this Node
 * project does not load) and for the exports of our AssemblyScript kernel module.
 */

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
export type WasmModule = object;
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The global WebAssembly object, or undefined on a runtime without it. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Exports of src/tensor/wasm/assembly/index.ts. Pointers are byte offsets; bools are 0/1. */
export interface KernelExports {
  heapBase(): number;
  MR: { value: number };
  NR: { value: number };
  packA(transA: number, m: number, k: number, a: number, dst: number): void;
  packB(transB: number, k: number, n: number, b: number, dst: number): void;
  gemmTile(m: number, n: number, k: number, apack: number, bpack: number, c: number, i0: number, i1: number, j0: number, j1: number, tmp: number, accumulate: number): void;
  im2col(x: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number, cols: number): void;
  relu(x: number, y: number, n: number): void;
  reluBackward(x: number, g: number, gx: number, n: number): void;
  maxPool2d(x: number, nc: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number, y: number, arg: number): void;
  winoWeights(w: number, o: number, c: number, backward: number, u: number): void;
  runTask(job: number, task: number, thread: number): void;
  convScratchOffset(c: number, kh: number, kw: number, oh: number, ow: number, o: number, part: number): number;
  addInto(dst: number, src: number, n: number): void;
  lstmGates(a: number, cPrev: number, c: number, tanhC: number, h: number, n: number, hidden: number, gh: number, oi: number, of: number, og: number, oo: number): void;
  gruGates(a: number, hp: number, bn: number, hPrev: number, hn: number, h: number, n: number, hidden: number, gh: number, or: number, oz: number, on: number): void;
  lstmGatesBackward(a: number, dh: number, dc: number, cPrev: number, tanhC: number, dA: number, n: number, hidden: number, gh: number, oi: number, of: number, og: number, oo: number): void;
  gruGatesBackward(a: number, dh: number, hPrev: number, hn: number, dAx: number, dAh: number, dhNext: number, n: number, hidden: number, gh: number, or: number, oz: number, on: number): void;
  sumRows(a: number, rows: number, cols: number, into: number): void;
  dwScratchBytes(h: number, w: number, stride: number, oh: number, ow: number): number;
  adamStep(w: number, g: number, m: number, v: number, n: number, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
  emaFold(s: number, w: number, n: number, e: number): void;
  col2im(cols: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, oh: number, ow: number, dx: number): void;
}

/** Job kinds and descriptor words, mirroring src/tensor/wasm/assembly/jobs.ts. */
export const JOB_GEMM = 0;
export const JOB_CONV_FWD = 1;
export const JOB_CONV_BWD = 2;
export const JOB_WINO = 3;
export const JOB_DW_FWD = 4;
export const JOB_DW_BWD = 5;
/** Words of a job descriptor (i32). */
export const JOB_WORDS = 32;

/** WebAssembly pages are 64 KiB. */
export const PAGE = 65536;
