/**
 * Resident float buffers: a small wasm memory of their own (with its own instance of the kernel
 * module), sized once and never grown, so its views stay valid for its whole life. The optimizer
 * keeps its moments there between steps and copies only the weights and gradients through; the
 * shared arena (arena.ts) cannot hold anything across calls, since every kernel call relays it out.
 */
import { instantiate } from './loader.js';
import { type KernelExports, type WasmModule, PAGE, wasmApi } from './wasm-api.js';
import { type ResidentBuffer, type ResidentFloats } from '../kernels/types.js';

const ALIGN = 64;

class ResidentStore implements ResidentFloats {
  private readonly ex: KernelExports;
  private readonly view: Float32Array;
  private next: number;
  private readonly end: number;
  readonly usable: boolean;

  constructor(module: WasmModule, heapBase: number, floats: number, buffers: number) {
    const base = Math.ceil(heapBase / ALIGN) * ALIGN;
    const bytes = base + 4 * floats + ALIGN * buffers;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    const memory = new wasmApi!.Memory({ initial: pages, maximum: pages, shared: true });
    this.ex = instantiate(module, memory);
    // False for a module built before these passes existed (the optimizer keeps its JS loop).
    this.usable = typeof this.ex.adamStep === 'function' && typeof this.ex.emaFold === 'function';
    this.view = new Float32Array(memory.buffer);
    this.next = base;
    this.end = pages * PAGE;
  }

  alloc(n: number): ResidentBuffer | null {
    const off = this.next;
    if (off + 4 * n > this.end) return null;
    this.next = Math.ceil((off + 4 * n) / ALIGN) * ALIGN;
    return { off, data: this.view.subarray(off >> 2, (off >> 2) + n) };
  }

  adam(w: ResidentBuffer, g: ResidentBuffer, m: ResidentBuffer, v: ResidentBuffer, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): void {
    this.ex.adamStep(w.off, g.off, m.off, v.off, w.data.length, c1, b2, c2, stepSize, bc2Sqrt, eps);
  }

  emaFold(s: ResidentBuffer, w: ResidentBuffer, e: number): void {
    this.ex.emaFold(s.off, w.off, s.data.length, e);
  }
}

/**
 * A store for up to `floats` values in `buffers` allocations, or null when the runtime refuses the
 * memory (callers keep their JS loops).
 */
export function residentStore(module: WasmModule, heapBase: number, floats: number, buffers: number): ResidentFloats | null {
  if (!wasmApi) return null;
  try {
    const store = new ResidentStore(module, heapBase, floats, buffers);
    return store.usable ? store : null;
  } catch {
    return null;
  }
}
