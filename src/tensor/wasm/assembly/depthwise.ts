// Depthwise 3×3 convolution (groups = channels, multiplier 1, padding 1, stride 1 or 2), NCHW,
// forward and backward, vectorised four output columns at a time. im2col + a per-channel GEMM
// would copy each plane nine times to multiply it by a 1×9 row; a direct loop reads it once.
// Each plane is first copied into a zero-bordered scratch copy, so the inner loops need no
// bounds tests and every vector load is in range (the borders and the slack stay zero).
//
// A task is one channel over all the images of the job: the channel's weight and bias gradients
// then have a single writer, so threads need no private accumulators and no reduction.
//
// Job words: 0 kind, 1 n, 2 c, 3 h, 4 w, 5 stride, 6 oh, 7 ow, 8 x, 9 weights [C, 9], 10 bias (0 =
// none) | gb (backward, 0 = none), 11 y | gy, 12 gx (0 = none), 13 gw (0 = none), 14 scratch,
// 15 scratch bytes per thread. Pointers are byte offsets.

// a*b + c: one fused instruction when relaxed SIMD is on, mul then add otherwise.
// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function word(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function ceil4(v: i32): i32 {
  return (v + 3) & ~3;
}

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Row length (floats) of the zero-bordered input copy: the input plus the vector loads' overrun. */
// @ts-ignore: decorator
@inline function xRow(w: i32, s: i32, ow: i32): i32 {
  return ceil4(max(w + 2, s * ceil4(ow) + 4));
}

/** Row length of the zero-bordered gy copy (gy at column 1; reads reach ceil4(ow + 1) + 4). */
// @ts-ignore: decorator
@inline function gyRow(w: i32, ow: i32): i32 {
  return ceil4(max(ceil4(w) + 4, ceil4(ow + 1) + 8));
}

/** Row length of the stride-2 input-gradient scatter buffer (writes reach 2·ceil4(ow + 1) + 8). */
// @ts-ignore: decorator
@inline function gxRow(w: i32, ow: i32): i32 {
  return ceil4(max(w + 6, 2 * ceil4(ow + 1) + 8));
}

/**
 * Bytes of one thread's scratch: the input copy [h + 3, xRow], the gy copy [oh + 2, gyRow], the
 * scatter buffer [h + 4, gxRow] and a four-float tail buffer, each 64-byte aligned.
 */
export function dwScratchBytes(h: i32, w: i32, s: i32, oh: i32, ow: i32): usize {
  const a = <usize>((h + 3) * xRow(w, s, ow)) << 2;
  const b = <usize>((oh + 2) * gyRow(w, ow)) << 2;
  const c = <usize>((h + 4) * gxRow(w, ow)) << 2;
  return ((a + 63) & ~63) + ((b + 63) & ~63) + ((c + 63) & ~63) + 64;
}

/** Zero n floats at p. */
function zero(p: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(p, i), z);
  for (; i < n; i++) store<f32>(at(p, i), 0);
}

/** Copy the [rows, cols] plane at src into dst starting at row 1, column 1 (row length ld); borders untouched. */
function fill(dst: usize, ld: i32, src: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = at(dst, (r + 1) * ld + 1);
    const s = at(src, r * cols);
    let i = 0;
    for (; i + 4 <= cols; i += 4) v128.store(at(d, i), v128.load(at(s, i)));
    for (; i < cols; i++) store<f32>(at(d, i), load<f32>(at(s, i)));
  }
}

/** Store the first n (≤ 4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storeTail(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (n > 2) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

/** Add the first n (≤ 4) lanes of v into p. */
// @ts-ignore: decorator
@inline function addTail(p: usize, v: v128, n: i32): void {
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p + 4, load<f32>(p + 4) + f32x4.extract_lane(v, 1));
  if (n > 2) store<f32>(p + 8, load<f32>(p + 8) + f32x4.extract_lane(v, 2));
}

/**
 * The three inputs a kernel row meets at four consecutive outputs: stride 1 reads three
 * overlapping runs; stride 2 splits eight floats into even and odd lanes (and the evens of the
 * next eight for the third tap). Results go to the globals t0, t1, t2.
 */
let t0: v128 = f32x4.splat(0);
let t1: v128 = f32x4.splat(0);
let t2: v128 = f32x4.splat(0);
// @ts-ignore: decorator
@inline function taps(row: usize, s: i32, ox: i32): void {
  if (s == 1) {
    const p = at(row, ox);
    t0 = v128.load(p);
    t1 = v128.load(p + 4);
    t2 = v128.load(p + 8);
  } else {
    const p = at(row, 2 * ox);
    const a = v128.load(p);
    const b = v128.load(p + 16);
    const c = v128.load(p + 32);
    t0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
    t1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    t2 = v128.shuffle<f32>(t0, v128.shuffle<f32>(c, c, 0, 0, 0, 0), 1, 2, 3, 4);
  }
}

/** One channel, all images: y[n, c] = bias[c] + Σ w[c, ky, kx] · x[n, c] shifted. */
function forwardTask(job: usize, c: i32, scratch: usize): void {
  const N = word(job, 1), C = word(job, 2), H = word(job, 3), W = word(job, 4), s = word(job, 5), oh = word(job, 6), ow = word(job, 7);
  const ld = xRow(W, s, ow);
  const xp = scratch;
  zero(xp, (H + 3) * ld);
  const wp = at(<usize>word(job, 9), c * 9);
  const w0 = f32x4.splat(load<f32>(wp)), w1 = f32x4.splat(load<f32>(wp, 4)), w2 = f32x4.splat(load<f32>(wp, 8));
  const w3 = f32x4.splat(load<f32>(wp, 12)), w4 = f32x4.splat(load<f32>(wp, 16)), w5 = f32x4.splat(load<f32>(wp, 20));
  const w6 = f32x4.splat(load<f32>(wp, 24)), w7 = f32x4.splat(load<f32>(wp, 28)), w8 = f32x4.splat(load<f32>(wp, 32));
  const bp = <usize>word(job, 10);
  const b = f32x4.splat(bp != 0 ? load<f32>(at(bp, c)) : 0);
  const full = ow & ~3;
  for (let n = 0; n < N; n++) {
    const plane = n * C + c;
    fill(xp, ld, at(<usize>word(job, 8), plane * H * W), H, W);
    const y = at(<usize>word(job, 11), plane * oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = at(xp, s * oy * ld);
      const r1 = at(r0, ld);
      const r2 = at(r1, ld);
      const yr = at(y, oy * ow);
      for (let ox = 0; ox < ow; ox += 4) {
        let acc = b;
        taps(r0, s, ox);
        acc = fma(w0, t0, acc);
        acc = fma(w1, t1, acc);
        acc = fma(w2, t2, acc);
        taps(r1, s, ox);
        acc = fma(w3, t0, acc);
        acc = fma(w4, t1, acc);
        acc = fma(w5, t2, acc);
        taps(r2, s, ox);
        acc = fma(w6, t0, acc);
        acc = fma(w7, t1, acc);
        acc = fma(w8, t2, acc);
        if (ox < full) v128.store(at(yr, ox), acc);
        else storeTail(at(yr, ox), acc, ow - ox);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * One channel, all images: gw[c] += Σ gy · x shifted, gb[c] += Σ gy, gx[n, c] += the adjoint.
 * Stride 1's input gradient is a 3×3 correlation of the bordered gy with the turned kernel;
 * stride 2's scatters w·gy into a bordered buffer, even and odd columns interleaved.
 */
function backwardTask(job: usize, c: i32, scratch: usize): void {
  const N = word(job, 1), C = word(job, 2), H = word(job, 3), W = word(job, 4), s = word(job, 5), oh = word(job, 6), ow = word(job, 7);
  const gbp = <usize>word(job, 10), gxp = <usize>word(job, 12), gwp = <usize>word(job, 13);
  const ld = xRow(W, s, ow);
  const lg = gyRow(W, ow);
  const lx = gxRow(W, ow);
  const xp = scratch;
  const gp = xp + ((<usize>((H + 3) * ld) << 2) + 63 & ~(<usize>63));
  const sp = gp + ((<usize>((oh + 2) * lg) << 2) + 63 & ~(<usize>63));
  if (gwp != 0) zero(xp, (H + 3) * ld);
  zero(gp, (oh + 2) * lg);
  const wp = at(<usize>word(job, 9), c * 9);
  const w0 = f32x4.splat(load<f32>(wp)), w1 = f32x4.splat(load<f32>(wp, 4)), w2 = f32x4.splat(load<f32>(wp, 8));
  const w3 = f32x4.splat(load<f32>(wp, 12)), w4 = f32x4.splat(load<f32>(wp, 16)), w5 = f32x4.splat(load<f32>(wp, 20));
  const w6 = f32x4.splat(load<f32>(wp, 24)), w7 = f32x4.splat(load<f32>(wp, 28)), w8 = f32x4.splat(load<f32>(wp, 32));
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, ab = z;
  for (let n = 0; n < N; n++) {
    const plane = n * C + c;
    fill(gp, lg, at(<usize>word(job, 11), plane * oh * ow), oh, ow);
    if (gwp != 0 || gbp != 0) {
      if (gwp != 0) fill(xp, ld, at(<usize>word(job, 8), plane * H * W), H, W);
      for (let oy = 0; oy < oh; oy++) {
        const gr = at(gp, (oy + 1) * lg + 1);
        const r0 = at(xp, s * oy * ld);
        const r1 = at(r0, ld);
        const r2 = at(r1, ld);
        // Lanes past ow read the zero border of gp, so they add nothing.
        for (let ox = 0; ox < ow; ox += 4) {
          const g = v128.load(at(gr, ox));
          ab = f32x4.add(ab, g);
          if (gwp == 0) continue;
          taps(r0, s, ox);
          a0 = fma(g, t0, a0);
          a1 = fma(g, t1, a1);
          a2 = fma(g, t2, a2);
          taps(r1, s, ox);
          a3 = fma(g, t0, a3);
          a4 = fma(g, t1, a4);
          a5 = fma(g, t2, a5);
          taps(r2, s, ox);
          a6 = fma(g, t0, a6);
          a7 = fma(g, t1, a7);
          a8 = fma(g, t2, a8);
        }
      }
    }
    if (gxp == 0) continue;
    const gx = at(gxp, plane * H * W);
    const full = W & ~3;
    if (s == 1) {
      // gx[iy, ix] = Σ w[ky, kx] · gp[iy + 2 − ky, ix + 2 − kx] (gp holds gy at offset 1, 1).
      for (let iy = 0; iy < H; iy++) {
        const q0 = at(gp, iy * lg), q1 = at(q0, lg), q2 = at(q1, lg);
        const xr = at(gx, iy * W);
        for (let ix = 0; ix < W; ix += 4) {
          let acc = z;
          taps(q2, 1, ix);
          acc = fma(w0, t2, acc);
          acc = fma(w1, t1, acc);
          acc = fma(w2, t0, acc);
          taps(q1, 1, ix);
          acc = fma(w3, t2, acc);
          acc = fma(w4, t1, acc);
          acc = fma(w5, t0, acc);
          taps(q0, 1, ix);
          acc = fma(w6, t2, acc);
          acc = fma(w7, t1, acc);
          acc = fma(w8, t0, acc);
          const p = at(xr, ix);
          if (ix < full) v128.store(p, f32x4.add(v128.load(p), acc));
          else addTail(p, acc, W - ix);
        }
      }
    } else {
      // Scatter: output (oy, ox) adds w[ky, kx] · gy into sp[2·oy + ky, 2·ox + kx] (sp is gx
      // bordered by one). Even columns 2·ox take w[ky,0]·gy[ox] + w[ky,2]·gy[ox − 1], odd ones w[ky,1]·gy[ox].
      zero(sp, (H + 4) * lx);
      for (let oy = 0; oy < oh; oy++) {
        const gr = at(gp, (oy + 1) * lg + 1);
        for (let ox = 0; ox <= ow; ox += 4) {
          const g = v128.load(at(gr, ox));
          const gPrev = v128.load(at(gr, ox - 1));
          for (let ky = 0; ky < 3; ky++) {
            const ka = ky == 0 ? w0 : ky == 1 ? w3 : w6;
            const kb = ky == 0 ? w1 : ky == 1 ? w4 : w7;
            const kc = ky == 0 ? w2 : ky == 1 ? w5 : w8;
            const even = fma(kc, gPrev, f32x4.mul(ka, g));
            const odd = f32x4.mul(kb, g);
            const p = at(sp, (2 * oy + ky) * lx + 2 * ox);
            v128.store(p, f32x4.add(v128.load(p), v128.shuffle<f32>(even, odd, 0, 4, 1, 5)));
            v128.store(p + 16, f32x4.add(v128.load(p + 16), v128.shuffle<f32>(even, odd, 2, 6, 3, 7)));
          }
        }
      }
      for (let iy = 0; iy < H; iy++) {
        const src = at(sp, (iy + 1) * lx + 1);
        const xr = at(gx, iy * W);
        for (let ix = 0; ix < W; ix += 4) {
          const v = v128.load(at(src, ix));
          const p = at(xr, ix);
          if (ix < full) v128.store(p, f32x4.add(v128.load(p), v));
          else addTail(p, v, W - ix);
        }
      }
    }
  }
  if (gbp != 0) {
    const p = at(gbp, c);
    store<f32>(p, load<f32>(p) + hsum(ab));
  }
  if (gwp != 0) {
    const p = at(gwp, c * 9);
    store<f32>(p, load<f32>(p) + hsum(a0));
    store<f32>(p + 4, load<f32>(p + 4) + hsum(a1));
    store<f32>(p + 8, load<f32>(p + 8) + hsum(a2));
    store<f32>(p + 12, load<f32>(p + 12) + hsum(a3));
    store<f32>(p + 16, load<f32>(p + 16) + hsum(a4));
    store<f32>(p + 20, load<f32>(p + 20) + hsum(a5));
    store<f32>(p + 24, load<f32>(p + 24) + hsum(a6));
    store<f32>(p + 28, load<f32>(p + 28) + hsum(a7));
    store<f32>(p + 32, load<f32>(p + 32) + hsum(a8));
  }
}

/** Run channel `t` of a depthwise job (kind 4 forward, 5 backward) on thread `th`. */
export function dwTask(job: usize, t: i32, th: i32): void {
  const scratch = <usize>word(job, 14) + <usize>th * <usize>word(job, 15);
  if (word(job, 0) == 4) forwardTask(job, t, scratch);
  else backwardTask(job, t, scratch);
}
