/**
 * Orchestrates 3x3 stride-1 convolutions by Winograd F(2x2, 3x3) (assembly/winograd.ts): weights
 * transformed and packed once per call, then tasks of a few images each (input transform, 16
 * GEMMs, output transform in one thread's L2-sized scratch) shared by the threads. Used for the
 * forward pass and the data gradient.
 */
import { align } from './arena.js';
import { type WasmContext } from './context.js';
import { JOB_WINO } from './wasm-api.js';

export interface WinoConv {
  /** Input [n, cIn, h, w]: the images (forward) or gy (data gradient). */
  x: Float32Array;
  n: number;
  cIn: number;
  h: number;
  w: number;
  /** Padding of this 3x3 stride-1 convolution (for the data gradient: 2 - the forward padding). */
  ph: number;
  pw: number;
  cOut: number;
  /** The layer's weights [O, C, 3, 3] as stored; `backward` turns them for the data gradient. */
  weights: Float32Array;
  backward: boolean;
  bias: Float32Array | null;
  /** Output [n, cOut, h + 2ph - 2, w + 2pw - 2], overwritten or accumulated into. */
  y: Float32Array;
  accumulate: boolean;
}

/**
 * Worth it (and supported) for 3x3 stride-1 windows with enough channels on both sides: the
 * transforms cost O(16·(cIn + cOut)) per tile against GEMM savings of O(20·cIn·cOut).
 */
export function winogradFits(ctx: WasmContext, kh: number, kw: number, sh: number, sw: number, cIn: number, cOut: number, ph: number, pw: number): boolean {
  return ctx.winograd && kh === 3 && kw === 3 && sh === 1 && sw === 1 && cIn >= 8 && cOut >= 8 && ph >= 0 && pw >= 0 && ph <= 2 && pw <= 2;
}

/**
 * A stride (bytes) of at least `bytes` that is an odd number of 64-byte lines. The 16 transformed
 * matrices, and M's rows, are walked in parallel; at a multiple of 4 KiB apart they would all
 * fall into one L1 set and evict each other (this alone halved the GEMM phase's speed).
 */
const skew = (bytes: number): number => {
  const lines = Math.ceil(bytes / 64);
  return 64 * (lines % 2 === 0 ? lines + 1 : lines);
};

/** Transformed data per task (V and M of its images): small enough to stay in L2. */
const TASK_BYTES = 2 ** 20;

/** Run one Winograd convolution; false when memory cannot hold it (the caller falls back). */
export function runWinograd(ctx: WasmContext, p: WinoConv): boolean {
  const { ex, arena: ar, pool, threads, MR, NR } = ctx;
  const { n, cIn, h, w, ph, pw, cOut } = p;
  const oh = h + 2 * ph - 2;
  const ow = w + 2 * pw - 2;
  if (oh <= 0 || ow <= 0) return false;
  if (n === 0) return true;
  const tH = Math.ceil(oh / 2);
  const tw4 = Math.ceil(Math.ceil(ow / 2) / 4) * 4; // tile columns, padded to groups of four
  const tpi = tH * tw4;
  // Images per task: bounded by the L2 budget, and leaving at least four tasks to share out.
  const perTask = Math.max(1, Math.min(Math.floor(TASK_BYTES / (64 * (cIn + cOut) * tpi)), Math.ceil(n / 4)));
  const tilesMax = perTask * tpi;
  const ld = skew(4 * tilesMax) / 4; // M's row stride in floats
  const vStride = skew(4 * Math.ceil(tilesMax / NR) * NR * cIn);
  const mStride = skew(4 * cOut * ld);
  const vRel = align(4 * cIn * (2 * tH + 2) * (2 * tw4 + 4)); // after the zero-bordered image
  const mRel = align(vRel + 16 * vStride);
  const tmpRel = align(mRel + 16 * mStride);
  const scratchStride = align(tmpRel + 4 * MR * NR);
  // Images per chunk of x and y in wasm memory (a whole number of tasks).
  const xyBytes = 4 * (cIn * h * w + cOut * oh * ow);
  const chunk = Math.min(n, perTask * Math.max(1, Math.floor(ctx.convChunkBytes / xyBytes / perTask)));
  const uStride = align(4 * Math.ceil(cOut / MR) * MR * cIn);
  const wOff = ar.base;
  const uRaw = align(wOff + 4 * cIn * cOut * 9);
  const uPack = align(uRaw + 4 * 16 * cOut * cIn);
  const biasOff = align(uPack + 16 * uStride);
  const xOff = align(biasOff + 4 * cOut);
  const yOff = align(xOff + 4 * chunk * cIn * h * w);
  const scratchOff = align(yOff + 4 * chunk * cOut * oh * ow);
  if (!ar.reserve(scratchOff + threads * scratchStride)) return false;

  ar.put(p.weights, wOff, cIn * cOut * 9);
  // Forward: W is [cOut, cIn]. Data gradient: W is [cIn (gy's channels), cOut].
  if (p.backward) ex.winoWeights(wOff, cIn, cOut, 1, uRaw);
  else ex.winoWeights(wOff, cOut, cIn, 0, uRaw);
  for (let xi = 0; xi < 16; xi++) ex.packA(0, cOut, cIn, uRaw + 4 * xi * cOut * cIn, uPack + xi * uStride);
  if (p.bias) ar.put(p.bias, biasOff, cOut);
  const parallel = threads > 1 && 32 * cOut * cIn * tpi * Math.min(n, chunk) >= ctx.parallelMinFlops;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const cn = Math.min(chunk, n - i0);
    ar.put(p.x.subarray(i0 * cIn * h * w), xOff, cn * cIn * h * w);
    if (p.accumulate) ar.put(p.y.subarray(i0 * cOut * oh * ow), yOff, cn * cOut * oh * ow);
    ar.setJob([JOB_WINO, cIn, h, w, ph, pw, cOut, oh, ow, tH, tw4, perTask, cn, ld, xOff, yOff, vRel, vStride, mRel, mStride,
      uPack, uStride, scratchOff, scratchStride, p.bias ? biasOff : 0, p.accumulate ? 1 : 0, tmpRel]);
    pool.run(ar.job, Math.ceil(cn / perTask), parallel);
    ar.take(p.y.subarray(i0 * cOut * oh * ow), yOff, cn * cOut * oh * ow);
  }
  return true;
}
