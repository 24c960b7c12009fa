/**
 * Loads the prebuilt kernel module (build/lepton-kernels*.wasm) synchronously, so the fast backend
 * is ready at import time. Returns null, never throws, when the module is missing or unusable:
 * the engine then runs on the JS kernels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { type KernelExports, type WasmMemory, type WasmModule, PAGE, wasmApi } from './wasm-api.js';

export interface LoadOptions {
  /** Folder holding the built modules. Default: the repository's build/. */
  dir?: string;
  /**
   * Use the fused multiply-add (relaxed SIMD) build when the runtime accepts it. Node 20 keeps
   * relaxed SIMD behind a V8 flag; with `enableRelaxedFlag` the loader turns that flag on (it only
   * adds WebAssembly instructions). Both default to true.
   */
  relaxedSimd?: boolean;
  enableRelaxedFlag?: boolean;
  /** Upper bound of the shared linear memory, in 64 KiB pages. Default 32768 (2 GiB), the build's maximum. */
  maxPages?: number;
}

export interface LoadedKernels {
  module: WasmModule;
  memory: WasmMemory;
  exports: KernelExports;
  /** True when the fused multiply-add build is in use. */
  relaxed: boolean;
  maxPages: number;
}

const DEFAULT_DIR = fileURLToPath(new URL('../../../build/', import.meta.url));
const MAX_PAGES = 32768;

function acceptsRelaxed(bytes: Uint8Array, enableFlag: boolean): boolean {
  if (wasmApi!.validate(bytes)) return true;
  if (!enableFlag) return false;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmApi!.validate(bytes);
}

/** Instantiate `module` on `memory` (also used by GEMM worker threads, on the same memory). */
export function instantiate(module: WasmModule, memory: WasmMemory): KernelExports {
  return new wasmApi!.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

/** A 2x3·3x2 product with known answer: catches a runtime that validates but miscomputes. */
function selfCheck(ex: KernelExports, memory: WasmMemory): boolean {
  const base = Math.ceil(ex.heapBase() / 64) * 64;
  const need = base + 4096;
  const have = memory.buffer.byteLength;
  if (need > have) memory.grow(Math.ceil((need - have) / PAGE));
  const f = new Float32Array(memory.buffer);
  const a = base, b = base + 64, c = base + 128, bp = base + 256, ap = base + 1024, tmp = base + 2048;
  f.set([1, 2, 3, 4, 5, 6], a / 4); // [2,3]
  f.set([7, 8, 9, 10, 11, 12], b / 4); // [3,2]
  f.fill(Number.NaN, c / 4, c / 4 + 4); // overwritten, not accumulated
  ex.packA(0, 2, 3, a, ap);
  ex.packB(0, 3, 2, b, bp);
  ex.gemmTile(2, 2, 3, ap, bp, c, 0, 2, 0, 2, tmp, 0);
  const got = Array.from(f.subarray(c / 4, c / 4 + 4));
  return [58, 64, 139, 154].every((v, i) => got[i] === v);
}

/** Load and instantiate the kernel module, or return null when it cannot be used here. */
export function loadWasmKernels(opts: LoadOptions = {}): LoadedKernels | null {
  if (!wasmApi) return null;
  const dir = opts.dir ?? DEFAULT_DIR;
  const maxPages = Math.min(opts.maxPages ?? MAX_PAGES, MAX_PAGES);
  const candidates: Array<{ file: string; relaxed: boolean }> = [];
  if (opts.relaxedSimd ?? true) candidates.push({ file: `${dir}/lepton-kernels-relaxed.wasm`, relaxed: true });
  candidates.push({ file: `${dir}/lepton-kernels.wasm`, relaxed: false });
  for (const { file, relaxed } of candidates) {
    try {
      if (!existsSync(file)) continue;
      const bytes = new Uint8Array(readFileSync(file));
      if (relaxed ? !acceptsRelaxed(bytes, opts.enableRelaxedFlag ?? true) : !wasmApi.validate(bytes)) continue;
      const module = new wasmApi.Module(bytes);
      const memory = new wasmApi.Memory({ initial: 1, maximum: maxPages, shared: true });
      const exports = instantiate(module, memory);
      if (!selfCheck(exports, memory)) continue;
      return { module, memory, exports, relaxed, maxPages };
    } catch {
      // An old runtime without SIMD or shared memory: try the next build, then give up quietly.
      continue;
    }
  }
  return null;
}
