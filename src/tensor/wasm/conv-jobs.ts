/**
 * Whole-batch convolution kernels on wasm memory. 3x3 stride-1 layers with enough channels go
 * through Winograd (forward and data gradient); everything else, and the weight gradient, runs
 * per image as im2col + GEMM, with images split over the threads and unfold buffers in scratch.
 */
import { jsKernels } from '../kernels/js.js';
import { type ConvBackward, type ConvForward, type ConvGeometry } from '../kernels/types.js';
import { align } from './arena.js';
import { type WasmContext } from './context.js';
import { runWinograd, winogradFits } from './winograd.js';
import { JOB_CONV_BWD, JOB_CONV_FWD } from './wasm-api.js';

const geometryWords = (g: ConvGeometry, o: number): number[] => [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, o];

/** Images per chunk so one chunk's operands stay under the byte budget. */
function chunkOf(ctx: WasmContext, n: number, perImageBytes: number): number {
  return Math.max(1, Math.min(n, Math.floor(ctx.convChunkBytes / perImageBytes)));
}

export function conv2dForward(ctx: WasmContext, p: ConvForward): void {
  const { x, w: wt, bias, g, n, o, y } = p;
  if (n === 0) return;
  if (winogradFits(ctx, g.kh, g.kw, g.sh, g.sw, g.c, o, g.ph, g.pw)) {
    const done = runWinograd(ctx, { x, n, cIn: g.c, h: g.h, w: g.w, ph: g.ph, pw: g.pw, cOut: o, weights: wt, backward: false, bias, y, accumulate: false });
    if (done) return;
  }
  const { ex, arena: ar, pool, threads, MR } = ctx;
  const ckk = g.c * g.kh * g.kw;
  const ohw = g.oh * g.ow;
  const chw = g.c * g.h * g.w;
  const chunk = chunkOf(ctx, n, 4 * (chw + o * ohw));
  const wOff = ar.base;
  const wpOff = align(wOff + 4 * o * ckk);
  const biasOff = align(wpOff + 4 * Math.ceil(o / MR) * MR * ckk);
  const xOff = align(biasOff + 4 * o);
  const yOff = align(xOff + 4 * chunk * chw);
  const scratchOff = align(yOff + 4 * chunk * o * ohw);
  const stride = align(ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 7));
  if (!ar.reserve(scratchOff + threads * stride)) return jsKernels.conv2dForward(p);
  ar.put(wt, wOff, o * ckk);
  ex.packA(0, o, ckk, wOff, wpOff);
  if (bias) ar.put(bias, biasOff, o);
  const parallel = threads > 1 && 2 * o * ohw * ckk * chunk >= ctx.parallelMinFlops;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const cn = Math.min(chunk, n - i0);
    ar.put(x.subarray(i0 * chw), xOff, cn * chw);
    ar.setJob([JOB_CONV_FWD, ...geometryWords(g, o), xOff, yOff, wpOff, bias ? biasOff : 0, 0, 0, scratchOff, stride]);
    pool.run(ar.job, cn, parallel);
    ar.take(y.subarray(i0 * o * ohw), yOff, cn * o * ohw);
  }
}

export function conv2dBackward(ctx: WasmContext, p: ConvBackward): void {
  const { x, w: wt, gy, g, n, o } = p;
  let { gx } = p;
  const { gw, gb } = p;
  if (n === 0) return;
  // The data gradient is a 3x3 stride-1 convolution of gy (o channels) with the turned kernels.
  if (gx && winogradFits(ctx, g.kh, g.kw, g.sh, g.sw, o, g.c, 2 - g.ph, 2 - g.pw)) {
    const done = runWinograd(ctx, { x: gy, n, cIn: o, h: g.oh, w: g.ow, ph: 2 - g.ph, pw: 2 - g.pw, cOut: g.c, weights: wt, backward: true, bias: null, y: gx, accumulate: true });
    if (done) gx = null;
  }
  if (!gw && !gb && !gx) return;
  const { ex, arena: ar, pool, threads, MR } = ctx;
  const ckk = g.c * g.kh * g.kw;
  const ohw = g.oh * g.ow;
  const chw = g.c * g.h * g.w;
  const chunk = chunkOf(ctx, n, 4 * (2 * chw + o * ohw));
  const wOff = ar.base;
  const wtpOff = align(wOff + 4 * o * ckk);
  const xOff = align(wtpOff + 4 * Math.ceil(ckk / MR) * MR * o);
  const gyOff = align(xOff + 4 * chunk * chw);
  const gxOff = align(gyOff + 4 * chunk * o * ohw);
  const scratchOff = align(gxOff + 4 * chunk * chw);
  const stride = align(ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 7));
  if (!ar.reserve(scratchOff + threads * stride)) return jsKernels.conv2dBackward({ ...p, gx });
  // Accumulators live in each thread's scratch: thread 0 starts from the caller's gradients.
  const gwAcc = (th: number): number => scratchOff + th * stride + ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 5);
  const gbAcc = (th: number): number => scratchOff + th * stride + ex.convScratchOffset(g.c, g.kh, g.kw, g.oh, g.ow, o, 6);
  for (let th = 0; th < threads; th++) {
    if (gw) {
      if (th === 0) ar.put(gw, gwAcc(0), o * ckk);
      else ar.zero(gwAcc(th), o * ckk);
    }
    if (gb) {
      if (th === 0) ar.put(gb, gbAcc(0), o);
      else ar.zero(gbAcc(th), o);
    }
  }
  if (gx) {
    ar.put(wt, wOff, o * ckk);
    ex.packA(1, ckk, o, wOff, wtpOff); // Wᵀ [ckk, o] from W stored [o, ckk]
  }
  const flopsPerImage = 2 * o * ohw * ckk * ((gw ? 1 : 0) + (gx ? 1 : 0));
  const parallel = threads > 1 && flopsPerImage * chunk >= ctx.parallelMinFlops;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const cn = Math.min(chunk, n - i0);
    if (gw) ar.put(x.subarray(i0 * chw), xOff, cn * chw);
    ar.put(gy.subarray(i0 * o * ohw), gyOff, cn * o * ohw);
    if (gx) ar.put(gx.subarray(i0 * chw), gxOff, cn * chw);
    ar.setJob([JOB_CONV_BWD, ...geometryWords(g, o), xOff, gyOff, wtpOff, gb ? 1 : 0, gw ? 1 : 0, gx ? gxOff : 0, scratchOff, stride]);
    pool.run(ar.job, cn, parallel);
    if (gx) ar.take(gx.subarray(i0 * chw), gxOff, cn * chw);
  }
  if (gw) {
    for (let th = 1; th < threads; th++) ex.addInto(gwAcc(0), gwAcc(th), o * ckk);
    ar.take(gw, gwAcc(0), o * ckk);
  }
  if (gb) {
    for (let th = 1; th < threads; th++) ex.addInto(gbAcc(0), gbAcc(th), o);
    ar.take(gb, gbAcc(0), o);
  }
}
