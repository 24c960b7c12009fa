// 3x3 stride-1 convolution by Winograd F(2x2, 3x3): each 2x2 output tile costs 16 multiplies per
// channel pair instead of 36, so the GEMM work drops 2.25x (the transforms are only adds). Tiles
// are numbered so every group of four is SIMD-aligned: four tiles are transformed at once, one
// per lane, and land in the packed-B layout the GEMM micro-kernel reads, with no packing pass.
// A task takes a few images through all three steps in its thread's scratch, which is sized to
// stay in L2: the transformed data never goes out to main memory.
import { NR, gemmTile } from './gemm';

// @ts-ignore: decorator
@inline function word(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/**
 * U = G·g·Gᵀ for every 3x3 kernel g of w [o, c, 3, 3], written as 16 row-major matrices [rows][cols]
 * (matrix ξ = 4i+j starts at u + ξ·rows·cols floats). Forward: rows = o, cols = c. With `backward`
 * (the data gradient: gy convolved with the kernels turned 180°): rows = c, cols = o.
 */
export function winoWeights(w: usize, o: i32, c: i32, backward: bool, u: usize): void {
  const rows = backward ? c : o;
  const cols = backward ? o : c;
  const plane = (<usize>rows * <usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const src = w + ((<usize>(backward ? q * c + r : r * c + q) * 9) << 2);
      const f = backward ? 8 : 0; // turning 180° maps index k to 8 - k
      const s = backward ? -1 : 1;
      const g00 = ld(src, f + s * 0), g01 = ld(src, f + s * 1), g02 = ld(src, f + s * 2);
      const g10 = ld(src, f + s * 3), g11 = ld(src, f + s * 4), g12 = ld(src, f + s * 5);
      const g20 = ld(src, f + s * 6), g21 = ld(src, f + s * 7), g22 = ld(src, f + s * 8);
      // t = G·g [4][3]
      const t10 = (g00 + g10 + g20) * 0.5, t11 = (g01 + g11 + g21) * 0.5, t12 = (g02 + g12 + g22) * 0.5;
      const t20 = (g00 - g10 + g20) * 0.5, t21 = (g01 - g11 + g21) * 0.5, t22 = (g02 - g12 + g22) * 0.5;
      // U = t·Gᵀ [4][4], row i: ti0, (ti0+ti1+ti2)/2, (ti0-ti1+ti2)/2, ti2 (t0 = g0, t3 = g2)
      let d = u + ((<usize>r * <usize>cols + <usize>q) << 2);
      store<f32>(d, g00); d += plane;
      store<f32>(d, (g00 + g01 + g02) * 0.5); d += plane;
      store<f32>(d, (g00 - g01 + g02) * 0.5); d += plane;
      store<f32>(d, g02); d += plane;
      store<f32>(d, t10); d += plane;
      store<f32>(d, (t10 + t11 + t12) * 0.5); d += plane;
      store<f32>(d, (t10 - t11 + t12) * 0.5); d += plane;
      store<f32>(d, t12); d += plane;
      store<f32>(d, t20); d += plane;
      store<f32>(d, (t20 + t21 + t22) * 0.5); d += plane;
      store<f32>(d, (t20 - t21 + t22) * 0.5); d += plane;
      store<f32>(d, t22); d += plane;
      store<f32>(d, g20); d += plane;
      store<f32>(d, (g20 + g21 + g22) * 0.5); d += plane;
      store<f32>(d, (g20 - g21 + g22) * 0.5); d += plane;
      store<f32>(d, g22);
    }
  }
}

// Job descriptor words (kind JOB_WINO in jobs.ts). Offsets marked "rel" are inside a thread's scratch.
const C_IN = 1, H = 2, W = 3, PH = 4, PW = 5, C_OUT = 6, OH = 7, OW = 8, TH = 9, TW4 = 10;
const PER_TASK = 11, IMAGES = 12, M_LD = 13, X = 14, Y = 15, V_REL = 16, V_STRIDE = 17, M_REL = 18, M_STRIDE = 19;
const U = 20, U_STRIDE = 21, SCRATCH = 22, SCRATCH_STRIDE = 23, BIAS = 24, ACC = 25, TMP_REL = 26;

/**
 * V = Bᵀ·d·B for every 4x4 input patch d of image `img`, four tiles per SIMD op, into the 16
 * packed-B matrices at v (matrix ξ at v + ξ·vStride), tiles numbered from `tile0`. The image is
 * first copied into a zero-bordered scratch so that no tile needs bounds checks.
 */
function inputTransform(job: usize, img: i32, tile0: i32, pad: usize, v0: usize, vStride: usize): void {
  const c = word(job, C_IN), h = word(job, H), w = word(job, W), ph = word(job, PH), pw = word(job, PW);
  const tH = word(job, TH), tw4 = word(job, TW4);
  const padH = 2 * tH + 2, padW = 2 * tw4 + 4;
  const planeBytes = (<usize>padH * <usize>padW) << 2;
  const x = <usize>word(job, X) + ((<usize>img * <usize>c * <usize>h * <usize>w) << 2);
  memory.fill(pad, 0, <usize>c * planeBytes);
  const rows = min(h, padH - ph), cols = min(w, padW - pw);
  for (let ch = 0; ch < c; ch++) {
    for (let iy = 0; iy < rows; iy++) {
      const s = x + ((<usize>(ch * h + iy) * <usize>w) << 2);
      const d = pad + <usize>ch * planeBytes + ((<usize>(iy + ph) * <usize>padW + <usize>pw) << 2);
      let ix = 0;
      for (; ix + 4 <= cols; ix += 4) v128.store(d + (<usize>ix << 2), v128.load(s + (<usize>ix << 2)));
      for (; ix < cols; ix++) store<f32>(d + (<usize>ix << 2), load<f32>(s + (<usize>ix << 2)));
    }
  }
  const rowStep = <usize>padW << 2;
  for (let ch = 0; ch < c; ch++) {
    const plane = pad + <usize>ch * planeBytes;
    for (let ty = 0; ty < tH; ty++) {
      for (let tx = 0; tx < tw4; tx += 4) {
        // d[i][j] for the four tiles (lanes): columns 2·tx + 2·lane + j of padded rows 2·ty + i.
        let p = plane + ((<usize>(2 * ty) * <usize>padW + <usize>(2 * tx)) << 2);
        let a0 = v128.load(p), a1 = v128.load(p, 16), a2 = v128.load(p, 32);
        let w1 = v128.shuffle<f32>(a1, a2, 0, 2, 4, 6), w2 = v128.shuffle<f32>(a1, a2, 1, 3, 5, 7);
        const d00 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), d01 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const d02 = v128.shuffle<f32>(a0, w1, 2, 4, 5, 6), d03 = v128.shuffle<f32>(a0, w2, 3, 4, 5, 6);
        p += rowStep;
        a0 = v128.load(p); a1 = v128.load(p, 16); a2 = v128.load(p, 32);
        w1 = v128.shuffle<f32>(a1, a2, 0, 2, 4, 6); w2 = v128.shuffle<f32>(a1, a2, 1, 3, 5, 7);
        const d10 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), d11 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const d12 = v128.shuffle<f32>(a0, w1, 2, 4, 5, 6), d13 = v128.shuffle<f32>(a0, w2, 3, 4, 5, 6);
        p += rowStep;
        a0 = v128.load(p); a1 = v128.load(p, 16); a2 = v128.load(p, 32);
        w1 = v128.shuffle<f32>(a1, a2, 0, 2, 4, 6); w2 = v128.shuffle<f32>(a1, a2, 1, 3, 5, 7);
        const d20 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), d21 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const d22 = v128.shuffle<f32>(a0, w1, 2, 4, 5, 6), d23 = v128.shuffle<f32>(a0, w2, 3, 4, 5, 6);
        p += rowStep;
        a0 = v128.load(p); a1 = v128.load(p, 16); a2 = v128.load(p, 32);
        w1 = v128.shuffle<f32>(a1, a2, 0, 2, 4, 6); w2 = v128.shuffle<f32>(a1, a2, 1, 3, 5, 7);
        const d30 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), d31 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const d32 = v128.shuffle<f32>(a0, w1, 2, 4, 5, 6), d33 = v128.shuffle<f32>(a0, w2, 3, 4, 5, 6);
        // r = Bᵀ·d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
        const r00 = f32x4.sub(d00, d20), r01 = f32x4.sub(d01, d21), r02 = f32x4.sub(d02, d22), r03 = f32x4.sub(d03, d23);
        const r10 = f32x4.add(d10, d20), r11 = f32x4.add(d11, d21), r12 = f32x4.add(d12, d22), r13 = f32x4.add(d13, d23);
        const r20 = f32x4.sub(d20, d10), r21 = f32x4.sub(d21, d11), r22 = f32x4.sub(d22, d12), r23 = f32x4.sub(d23, d13);
        const r30 = f32x4.sub(d10, d30), r31 = f32x4.sub(d11, d31), r32 = f32x4.sub(d12, d32), r33 = f32x4.sub(d13, d33);
        // V = r·B: per row ri0 - ri2, ri1 + ri2, ri2 - ri1, ri1 - ri3; ξ = 4i + j.
        const t = tile0 + ty * tw4 + tx;
        let v = v0 + ((<usize>((t >> 3) * c + ch) * <usize>NR + <usize>(t & 7)) << 2);
        v128.store(v, f32x4.sub(r00, r02)); v += vStride;
        v128.store(v, f32x4.add(r01, r02)); v += vStride;
        v128.store(v, f32x4.sub(r02, r01)); v += vStride;
        v128.store(v, f32x4.sub(r01, r03)); v += vStride;
        v128.store(v, f32x4.sub(r10, r12)); v += vStride;
        v128.store(v, f32x4.add(r11, r12)); v += vStride;
        v128.store(v, f32x4.sub(r12, r11)); v += vStride;
        v128.store(v, f32x4.sub(r11, r13)); v += vStride;
        v128.store(v, f32x4.sub(r20, r22)); v += vStride;
        v128.store(v, f32x4.add(r21, r22)); v += vStride;
        v128.store(v, f32x4.sub(r22, r21)); v += vStride;
        v128.store(v, f32x4.sub(r21, r23)); v += vStride;
        v128.store(v, f32x4.sub(r30, r32)); v += vStride;
        v128.store(v, f32x4.add(r31, r32)); v += vStride;
        v128.store(v, f32x4.sub(r32, r31)); v += vStride;
        v128.store(v, f32x4.sub(r31, r33));
      }
    }
  }
}

/** Y = Aᵀ·m·A for the tiles of image `img` (numbered from `tile0` in M), plus bias, stored or added into y. */
function outputTransform(job: usize, img: i32, tile0: i32, m0: usize, mStride: usize, tmp: usize): void {
  const o = word(job, C_OUT), oh = word(job, OH), ow = word(job, OW), tH = word(job, TH), tw4 = word(job, TW4);
  const ld = <usize>word(job, M_LD);
  const bias = <usize>word(job, BIAS);
  const acc = word(job, ACC) != 0;
  for (let oc = 0; oc < o; oc++) {
    const b = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>oc << 2)) : 0);
    const yPlane = <usize>word(job, Y) + ((<usize>(img * o + oc) * <usize>oh * <usize>ow) << 2);
    for (let ty = 0; ty < tH; ty++) {
      for (let tx = 0; tx < tw4; tx += 4) {
        let mp = m0 + ((<usize>oc * ld + <usize>(tile0 + ty * tw4 + tx)) << 2);
        const m00 = v128.load(mp); mp += mStride;
        const m01 = v128.load(mp); mp += mStride;
        const m02 = v128.load(mp); mp += mStride;
        const m03 = v128.load(mp); mp += mStride;
        const m10 = v128.load(mp); mp += mStride;
        const m11 = v128.load(mp); mp += mStride;
        const m12 = v128.load(mp); mp += mStride;
        const m13 = v128.load(mp); mp += mStride;
        const m20 = v128.load(mp); mp += mStride;
        const m21 = v128.load(mp); mp += mStride;
        const m22 = v128.load(mp); mp += mStride;
        const m23 = v128.load(mp); mp += mStride;
        const m30 = v128.load(mp); mp += mStride;
        const m31 = v128.load(mp); mp += mStride;
        const m32 = v128.load(mp); mp += mStride;
        const m33 = v128.load(mp);
        // s = Aᵀ·m: rows m0 + m1 + m2, m1 - m2 - m3.
        const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        // Y = s·A: per row si0 + si1 + si2, si1 - si2 - si3.
        const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), b);
        const y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), b);
        const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), b);
        const y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), b);
        const x0 = 2 * tx;
        for (let i = 0; i < 2; i++) {
          const oy = 2 * ty + i;
          if (oy >= oh) break;
          const l = i == 0 ? y00 : y10;
          const r = i == 0 ? y01 : y11;
          // Interleave the tiles' left and right columns: output columns x0 .. x0+7.
          const lo = v128.shuffle<f32>(l, r, 0, 4, 1, 5);
          const hi = v128.shuffle<f32>(l, r, 2, 6, 3, 7);
          const row = yPlane + ((<usize>oy * <usize>ow + <usize>x0) << 2);
          if (x0 + 8 <= ow) {
            v128.store(row, acc ? f32x4.add(v128.load(row), lo) : lo);
            v128.store(row, acc ? f32x4.add(v128.load(row, 16), hi) : hi, 16);
          } else {
            // The right edge: only ow - x0 (< 8) columns exist.
            v128.store(tmp, lo);
            v128.store(tmp, hi, 16);
            for (let j = 0; j < ow - x0; j++) {
              const q = row + (<usize>j << 2);
              const val = load<f32>(tmp + (<usize>j << 2));
              store<f32>(q, acc ? load<f32>(q) + val : val);
            }
          }
        }
      }
    }
  }
}

/** One task: images [t·perTask, ...) through input transform, the 16 GEMMs and output transform. */
export function winoTask(job: usize, t: i32, th: i32): void {
  const perTask = word(job, PER_TASK);
  const first = t * perTask;
  const count = min(word(job, IMAGES) - first, perTask);
  const tpi = word(job, TH) * word(job, TW4);
  const scratch = <usize>word(job, SCRATCH) + <usize>th * <usize>word(job, SCRATCH_STRIDE);
  const v0 = scratch + <usize>word(job, V_REL);
  const m0 = scratch + <usize>word(job, M_REL);
  const tmp = scratch + <usize>word(job, TMP_REL);
  const vStride = <usize>word(job, V_STRIDE);
  const mStride = <usize>word(job, M_STRIDE);
  for (let i = 0; i < count; i++) inputTransform(job, first + i, i * tpi, scratch, v0, vStride);
  const cIn = word(job, C_IN), cOut = word(job, C_OUT);
  const u = <usize>word(job, U), uStride = <usize>word(job, U_STRIDE);
  // gemmTile takes C's row stride as n; the columns it computes are 0 .. count·tpi.
  for (let xi = 0; xi < 16; xi++) {
    gemmTile(cOut, word(job, M_LD), cIn, u + <usize>xi * uStride, v0 + <usize>xi * vStride, m0 + <usize>xi * mStride, 0, cOut, 0, count * tpi, tmp, false);
  }
  for (let i = 0; i < count; i++) outputTransform(job, first + i, i * tpi, m0, mStride, tmp);
}
