/**
 * A GEMM on operands already in wasm memory: pack both, then run C's tiles on the calling thread,
 * with the helper thread joining for large jobs. Shared by the plain gemm kernel (which copies its
 * operands in first) and by kernels that keep their operands in wasm memory (the recurrent loops).
 */
import { align } from './arena.js';
import { type WasmContext } from './context.js';
import { JOB_GEMM } from './wasm-api.js';

/** Bytes of scratch gemmAt needs (packed A and B, one MR×NR tile per thread). */
export function gemmScratchBytes(ctx: WasmContext, m: number, n: number, k: number): number {
  const { MR, NR } = ctx;
  return align(4 * Math.ceil(m / MR) * MR * k) + align(4 * Math.ceil(n / NR) * NR * k) + 2 * align(4 * MR * NR);
}

/**
 * C [m, n] (+)= op(A)·op(B) at byte offsets (A stored [k, m] with transA, B stored [n, k] with
 * transB), scratch at `scratch` (gemmScratchBytes). The memory must already be reserved.
 */
export function gemmAt(ctx: WasmContext, transA: boolean, transB: boolean, m: number, n: number, k: number, aOff: number, bOff: number, cOff: number, scratch: number, accumulate: boolean): void {
  const { ex, arena: ar, pool, MR, NR } = ctx;
  const apOff = scratch;
  const bpOff = align(apOff + 4 * Math.ceil(m / MR) * MR * k);
  const tmp0 = align(bpOff + 4 * Math.ceil(n / NR) * NR * k);
  const tmp1 = align(tmp0 + 4 * MR * NR);
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
  ar.setJob([JOB_GEMM, m, n, k, apOff, bpOff, cOff, tileRows, tileCols, across, tmp0, tmp1, accumulate ? 1 : 0]);
  pool.run(ar.job, Math.ceil(m / tileRows) * across, ctx.threads > 1 && 2 * m * n * k >= ctx.parallelMinFlops);
}
