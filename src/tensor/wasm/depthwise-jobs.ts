/**
 * Depthwise 3×3 convolution batches on wasm memory (assembly/depthwise.ts): operands copied in,
 * one task per channel (each channel's weight and bias gradients then have one writer, so the
 * threads need no reduction), results copied out. Images are cut into chunks under the
 * context's byte budget. Returns false when memory cannot grow (the caller keeps its TS loop).
 */
import { type DepthwiseBackward, type DepthwiseForward } from '../kernels/types.js';
import { align } from './arena.js';
import { type WasmContext } from './context.js';
import { JOB_DW_BWD, JOB_DW_FWD } from './wasm-api.js';

/** Images per chunk so a chunk's operands stay under the budget. */
function chunkOf(ctx: WasmContext, n: number, perImageBytes: number): number {
  return Math.max(1, Math.min(n, Math.floor(ctx.convChunkBytes / perImageBytes)));
}

export function depthwiseForward(ctx: WasmContext, p: DepthwiseForward): boolean {
  const { n, c, h, w, stride, oh, ow } = p;
  if (n === 0) return true;
  const { ex, arena: ar, pool, threads } = ctx;
  const chw = c * h * w;
  const cohw = c * oh * ow;
  const chunk = chunkOf(ctx, n, 4 * (chw + cohw));
  const wOff = ar.base; // [c, 9]
  const bOff = align(wOff + 4 * 9 * c); // [c]
  const xOff = align(bOff + 4 * c); // [chunk, c, h, w]
  const yOff = align(xOff + 4 * chunk * chw); // [chunk, c, oh, ow]
  const sOff = align(yOff + 4 * chunk * cohw);
  const sBytes = align(ex.dwScratchBytes(h, w, stride, oh, ow));
  if (!ar.reserve(sOff + threads * sBytes)) return false;
  ar.put(p.weights, wOff, 9 * c);
  if (p.bias) ar.put(p.bias, bOff, c);
  // ~18 flops per output value; the helper thread joins only when that pays for its wake-up.
  const parallel = threads > 1 && 18 * chunk * cohw >= ctx.parallelMinFlops;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const cn = Math.min(chunk, n - i0);
    ar.put(p.x.subarray(i0 * chw), xOff, cn * chw);
    ar.setJob([JOB_DW_FWD, cn, c, h, w, stride, oh, ow, xOff, wOff, p.bias ? bOff : 0, yOff, 0, 0, sOff, sBytes]);
    pool.run(ar.job, c, parallel);
    ar.take(p.y.subarray(i0 * cohw), yOff, cn * cohw);
  }
  return true;
}

export function depthwiseBackward(ctx: WasmContext, p: DepthwiseBackward): boolean {
  const { n, c, h, w, stride, oh, ow, gx, gw, gb } = p;
  if (n === 0 || (!gx && !gw && !gb)) return true;
  const { ex, arena: ar, pool, threads } = ctx;
  const chw = c * h * w;
  const cohw = c * oh * ow;
  const chunk = chunkOf(ctx, n, 4 * ((gw ? chw : 0) + (gx ? chw : 0) + cohw));
  const wOff = ar.base; // [c, 9]
  const gwOff = align(wOff + 4 * 9 * c); // [c, 9], the caller's gradient accumulated in place
  const gbOff = align(gwOff + 4 * 9 * c); // [c]
  const xOff = align(gbOff + 4 * c); // [chunk, c, h, w]
  const gyOff = align(xOff + 4 * chunk * chw); // [chunk, c, oh, ow]
  const gxOff = align(gyOff + 4 * chunk * cohw); // [chunk, c, h, w]
  const sOff = align(gxOff + 4 * chunk * chw);
  const sBytes = align(ex.dwScratchBytes(h, w, stride, oh, ow));
  if (!ar.reserve(sOff + threads * sBytes)) return false;
  ar.put(p.weights, wOff, 9 * c);
  if (gw) ar.put(gw, gwOff, 9 * c);
  if (gb) ar.put(gb, gbOff, c);
  const parallel = threads > 1 && 18 * ((gw ? 1 : 0) + (gx ? 1 : 0)) * chunk * cohw >= ctx.parallelMinFlops;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const cn = Math.min(chunk, n - i0);
    if (gw) ar.put(p.x.subarray(i0 * chw), xOff, cn * chw);
    ar.put(p.gy.subarray(i0 * cohw), gyOff, cn * cohw);
    if (gx) ar.put(gx.subarray(i0 * chw), gxOff, cn * chw);
    ar.setJob([JOB_DW_BWD, cn, c, h, w, stride, oh, ow, xOff, wOff, gb ? gbOff : 0, gyOff, gx ? gxOff : 0, gw ? gwOff : 0, sOff, sBytes]);
    pool.run(ar.job, c, parallel);
    if (gx) ar.take(gx.subarray(i0 * chw), gxOff, cn * chw);
  }
  if (gw) ar.take(gw, gwOff, 9 * c);
  if (gb) ar.take(gb, gbOff, c);
  return true;
}
