// Parallel jobs: a job is a descriptor of i32 words in linear memory, split into tasks (GEMM tiles,
// or the images of a convolution batch) that threads claim one at a time and run with runTask.
import { MR, NR, packA, packB, gemmTile } from './gemm';
import { im2col, col2im, addInto } from './conv';
import { winoTask } from './winograd';
import { dwTask } from './depthwise';

export const JOB_GEMM: i32 = 0;
export const JOB_CONV_FWD: i32 = 1;
export const JOB_CONV_BWD: i32 = 2;
export const JOB_WINO: i32 = 3;
export const JOB_DW_FWD: i32 = 4; // depthwise 3×3 (depthwise.ts), one task per channel
export const JOB_DW_BWD: i32 = 5;

// @ts-ignore: decorator
@inline function word(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function align64(b: usize): usize {
  return (b + 63) & ~(<usize>63);
}

// @ts-ignore: decorator
@inline function packedFloats(rows: i32, panel: i32, k: i32): usize {
  return <usize>((rows + panel - 1) / panel) * <usize>panel * <usize>k;
}

/**
 * Where part `part` of one thread's convolution scratch starts (bytes): 5 is the gw accumulator,
 * 6 the gb accumulator, 7 the total size. The TS side fills and reads the accumulators.
 */
export function convScratchOffset(c: i32, kh: i32, kw: i32, oh: i32, ow: i32, o: i32, part: i32): usize {
  return convScratch(c, kh, kw, oh, ow, o, part);
}

/**
 * Offset of part `part` inside one thread's scratch: 0 cols, 1 packed B, 2 packed A, 3 gcols,
 * 4 tmp, 5 gw accumulator [O, ckk], 6 gb accumulator [O]; 7 gives the total size.
 * (No arrays here: the stub runtime must never allocate, the TS side owns all memory.)
 */
function convScratch(c: i32, kh: i32, kw: i32, oh: i32, ow: i32, o: i32, part: i32): usize {
  const ckk = c * kh * kw;
  const ohw = oh * ow;
  const cols = align64(<usize>ckk * <usize>ohw << 2);
  let bp = packedFloats(ohw, NR, ckk); // forward: B = cols
  bp = max(bp, packedFloats(ckk, NR, ohw)); // backward gW: B = colsᵀ
  bp = max(bp, packedFloats(ohw, NR, o)); // backward gx: B = gy[n]
  let off: usize = 0;
  if (part == 0) return off;
  off += cols;
  if (part == 1) return off;
  off += align64(bp << 2);
  if (part == 2) return off;
  off += align64(packedFloats(o, MR, ohw) << 2); // backward gW: A = gy[n]
  if (part == 3) return off;
  off += cols;
  if (part == 4) return off;
  off += align64(<usize>(MR * NR) << 2);
  if (part == 5) return off;
  off += align64(<usize>o * <usize>ckk << 2);
  if (part == 6) return off;
  return off + align64(<usize>o << 2);
}

/** Run task `t` of the job at `job` on thread `th` (0 = caller, 1 = helper). */
export function runTask(job: usize, t: i32, th: i32): void {
  const kind = word(job, 0);
  if (kind == JOB_GEMM) {
    const m = word(job, 1), n = word(job, 2), k = word(job, 3);
    const tr = word(job, 7), tc = word(job, 8), across = word(job, 9);
    const i0 = (t / across) * tr;
    const j0 = (t % across) * tc;
    gemmTile(m, n, k, word(job, 4), word(job, 5), word(job, 6), i0, min(m, i0 + tr), j0, min(n, j0 + tc), word(job, 10 + th), word(job, 12) != 0);
    return;
  }
  if (kind == JOB_WINO) return winoTask(job, t, th);
  if (kind == JOB_DW_FWD || kind == JOB_DW_BWD) return dwTask(job, t, th);
  const c = word(job, 1), h = word(job, 2), w = word(job, 3), kh = word(job, 4), kw = word(job, 5);
  const sh = word(job, 6), sw = word(job, 7), ph = word(job, 8), pw = word(job, 9), oh = word(job, 10), ow = word(job, 11);
  const o = word(job, 12);
  const ckk = c * kh * kw;
  const ohw = oh * ow;
  const chw = <usize>(c * h * w);
  const xn = <usize>word(job, 13) + ((<usize>t * chw) << 2);
  const yn = <usize>word(job, 14) + ((<usize>t * <usize>o * <usize>ohw) << 2); // y (forward) or gy (backward)
  const scratch = <usize>word(job, 19) + <usize>th * <usize>word(job, 20);
  const cols = scratch + convScratch(c, kh, kw, oh, ow, o, 0);
  const bp = scratch + convScratch(c, kh, kw, oh, ow, o, 1);
  const tmp = scratch + convScratch(c, kh, kw, oh, ow, o, 4);
  // A 1×1 stride-1 unpadded conv (MobileNet's expand and project layers) is a plain GEMM on the
  // image: its im2col would be a copy of x, and its col2im an add into gx.
  const pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  if (kind == JOB_CONV_FWD) {
    if (!pointwise) im2col(xn, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cols);
    packB(false, ckk, ohw, pointwise ? xn : cols, bp);
    const bias = <usize>word(job, 16);
    if (bias != 0) {
      for (let i = 0; i < o; i++) {
        const v = f32x4.splat(load<f32>(bias + (<usize>i << 2)));
        const row = yn + ((<usize>i * <usize>ohw) << 2);
        let j = 0;
        for (; j + 4 <= ohw; j += 4) v128.store(row + (<usize>j << 2), v);
        for (; j < ohw; j++) store<f32>(row + (<usize>j << 2), f32x4.extract_lane(v, 0));
      }
    }
    gemmTile(o, ohw, ckk, word(job, 15), bp, yn, 0, o, 0, ohw, tmp, bias != 0);
    return;
  }
  // Backward: gW [O, ckk] += gy[n] · cols[n]ᵀ, gb [O] += row sums of gy[n], gx[n] += col2im(Wᵀ · gy[n]).
  if (word(job, 17) != 0) {
    const ap = scratch + convScratch(c, kh, kw, oh, ow, o, 2);
    if (!pointwise) im2col(xn, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, cols);
    packB(true, ohw, ckk, pointwise ? xn : cols, bp);
    packA(false, o, ohw, yn, ap);
    gemmTile(o, ckk, ohw, ap, bp, scratch + convScratch(c, kh, kw, oh, ow, o, 5), 0, o, 0, ckk, tmp, true);
  }
  if (word(job, 16) != 0) {
    const gb = scratch + convScratch(c, kh, kw, oh, ow, o, 6);
    for (let i = 0; i < o; i++) {
      const row = yn + ((<usize>i * <usize>ohw) << 2);
      let acc = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= ohw; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
      let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; j < ohw; j++) s += load<f32>(row + (<usize>j << 2));
      const p = gb + (<usize>i << 2);
      store<f32>(p, load<f32>(p) + s);
    }
  }
  const gx = <usize>word(job, 18);
  if (gx != 0) {
    const gcols = scratch + convScratch(c, kh, kw, oh, ow, o, 3);
    packB(false, o, ohw, yn, bp);
    const gxn = gx + ((<usize>t * chw) << 2);
    if (pointwise) {
      gemmTile(ckk, ohw, o, word(job, 15), bp, gxn, 0, ckk, 0, ohw, tmp, true);
      return;
    }
    gemmTile(ckk, ohw, o, word(job, 15), bp, gcols, 0, ckk, 0, ohw, tmp, false);
    col2im(gcols, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, gxn);
  }
}

