/**
 * The TypeScript side's view of the kernel module's linear memory: one job descriptor, then a
 * bump layout of operands rebuilt for every call (nothing is kept between calls), growing the
 * memory on demand. Shared memory never detaches on growth, but old views stay short, so views
 * are refreshed whenever the size changed.
 */
import { type LoadedKernels } from './loader.js';
import { JOB_WORDS, PAGE } from './wasm-api.js';

export const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

export class Arena {
  /** Byte offset of the job descriptor. */
  readonly job: number;
  /** First byte free for operands. */
  readonly base: number;
  view: Float32Array;
  words: Int32Array;

  constructor(private readonly w: LoadedKernels) {
    this.job = align(w.exports.heapBase());
    this.base = align(this.job + 4 * JOB_WORDS);
    this.view = new Float32Array(w.memory.buffer);
    this.words = new Int32Array(w.memory.buffer);
  }

  /** Make linear memory at least `end` bytes; false when it cannot grow that far (callers fall back to JS). */
  reserve(end: number): boolean {
    const mem = this.w.memory;
    const have = mem.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > this.w.maxPages) return false;
      try {
        mem.grow(pages);
      } catch {
        return false;
      }
    }
    if (this.view.byteLength !== mem.buffer.byteLength) {
      this.view = new Float32Array(mem.buffer);
      this.words = new Int32Array(mem.buffer);
    }
    return true;
  }

  /** Copy the first n values of src to byte offset off. */
  put(src: Float32Array, off: number, n: number): void {
    this.view.set(src.subarray(0, n), off >> 2);
  }

  /** Copy n values at byte offset off into dst. */
  take(dst: Float32Array, off: number, n: number): void {
    dst.set(this.view.subarray(off >> 2, (off >> 2) + n));
  }

  zero(off: number, n: number): void {
    this.view.fill(0, off >> 2, (off >> 2) + n);
  }

  /** Write the job descriptor. */
  setJob(values: readonly number[]): void {
    this.words.set(values, this.job >> 2);
  }
}
