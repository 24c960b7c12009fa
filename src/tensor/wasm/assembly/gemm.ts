// GEMM in WebAssembly SIMD: A and B packed into MR-row / NR-column panels, k blocked by KC, and a
// register-blocked MR x NR micro-kernel. Hand-written because plain JS stalls near 3 GFLOP/s.
// All pointers are byte offsets into linear memory that the TypeScript side lays out.

export const MR: i32 = 4;
export const NR: i32 = 8;
const KC: i32 = 256;

// a*b + c: one fused instruction when relaxed SIMD is on, mul then add otherwise.
// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Transpose the 4x4 block whose rows start at s0..s3 and store its four columns at d, d+step,
 * d+2*step, d+3*step: four loads, eight shuffles, four stores instead of sixteen scalar moves.
 */
// @ts-ignore: decorator
@inline function transpose4(s0: usize, s1: usize, s2: usize, s3: usize, d: usize, step: usize): void {
  const r0 = v128.load(s0), r1 = v128.load(s1), r2 = v128.load(s2), r3 = v128.load(s3);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Pack op(B) [k, n] into ceil(n/NR) panels, each [k][NR] row-major and zero-padded, so the
 * micro-kernel reads NR consecutive floats per step. With transB, B is stored [n, k].
 */
export function packB(transB: bool, k: i32, n: i32, b: usize, dst: usize): void {
  const panels = (n + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const nr = min(NR, n - j0);
    const d0 = dst + ((<usize>jp * <usize>k * <usize>NR) << 2);
    if (!transB) {
      let s = b + (<usize>j0 << 2);
      let d = d0;
      const ldb = <usize>n << 2;
      if (nr == NR) {
        for (let p = 0; p < k; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ldb;
          d += <usize>NR << 2;
        }
      } else {
        for (let p = 0; p < k; p++) {
          for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), c < nr ? load<f32>(s + (<usize>c << 2)) : 0);
          s += ldb;
          d += <usize>NR << 2;
        }
      }
    } else if (nr == NR) {
      // Row j of the stored B is column j of op(B): 4x4 transposes, two per step of four.
      const ldb = <usize>k << 2;
      const s0 = b + ((<usize>j0 * <usize>k) << 2);
      const s4 = s0 + 4 * ldb;
      const step = <usize>NR << 2;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        const d = d0 + <usize>p * step;
        transpose4(s0 + o, s0 + ldb + o, s0 + 2 * ldb + o, s0 + 3 * ldb + o, d, step);
        transpose4(s4 + o, s4 + ldb + o, s4 + 2 * ldb + o, s4 + 3 * ldb + o, d + 16, step);
      }
      for (; p < k; p++) {
        for (let c = 0; c < NR; c++) store<f32>(d0 + <usize>p * step + (<usize>c << 2), load<f32>(s0 + <usize>c * ldb + (<usize>p << 2)));
      }
    } else {
      // Partial last panel: scalar, zero-padded.
      for (let c = 0; c < NR; c++) {
        let d = d0 + (<usize>c << 2);
        if (c < nr) {
          let s = b + ((<usize>(j0 + c) * <usize>k) << 2);
          for (let p = 0; p < k; p++) {
            store<f32>(d, load<f32>(s));
            s += 4;
            d += <usize>NR << 2;
          }
        } else {
          for (let p = 0; p < k; p++) {
            store<f32>(d, 0);
            d += <usize>NR << 2;
          }
        }
      }
    }
  }
}

/**
 * Pack op(A) [m, k] into ceil(m/MR) panels, each [k][MR] row-major and zero-padded, so the
 * micro-kernel broadcasts MR consecutive floats per step. With transA, A is stored [k, m].
 */
export function packA(transA: bool, m: i32, k: i32, a: usize, dst: usize): void {
  const panels = (m + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const r0 = ip * MR;
    const mr = min(MR, m - r0);
    const d0 = dst + ((<usize>ip * <usize>k * <usize>MR) << 2);
    if (transA) {
      // A stored [k, m]: the MR values of one step are contiguous.
      let s = a + (<usize>r0 << 2);
      let d = d0;
      const lda = <usize>m << 2;
      if (mr == MR) {
        for (let p = 0; p < k; p++) {
          v128.store(d, v128.load(s));
          s += lda;
          d += <usize>MR << 2;
        }
      } else {
        for (let p = 0; p < k; p++) {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(s + (<usize>r << 2)) : 0);
          s += lda;
          d += <usize>MR << 2;
        }
      }
    } else if (mr == MR) {
      // MR = 4 rows: one 4x4 transpose per four steps.
      const lda = <usize>k << 2;
      const s0 = a + ((<usize>r0 * <usize>k) << 2);
      const step = <usize>MR << 2;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        transpose4(s0 + o, s0 + lda + o, s0 + 2 * lda + o, s0 + 3 * lda + o, d0 + <usize>p * step, step);
      }
      for (; p < k; p++) {
        for (let r = 0; r < MR; r++) store<f32>(d0 + <usize>p * step + (<usize>r << 2), load<f32>(s0 + <usize>r * lda + (<usize>p << 2)));
      }
    } else {
      for (let r = 0; r < MR; r++) {
        let d = d0 + (<usize>r << 2);
        if (r < mr) {
          let s = a + ((<usize>(r0 + r) * <usize>k) << 2);
          for (let p = 0; p < k; p++) {
            store<f32>(d, load<f32>(s));
            s += 4;
            d += <usize>MR << 2;
          }
        } else {
          for (let p = 0; p < k; p++) {
            store<f32>(d, 0);
            d += <usize>MR << 2;
          }
        }
      }
    }
  }
}

/**
 * C[MR x NR] (+)= Ap[kc][MR] · Bp[kc][NR]: accumulated into C when `add`, else stored over it. Eight accumulators plus two B vectors and one
 * broadcast A value stay within the 16 SIMD registers of x64, so nothing spills.
 * Edge tiles (mr < MR or nr < NR) go through `tmp` and only their valid part is added.
 */
function kernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mr: i32, nr: i32, tmp: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = fma(av, b0, c00);
    c01 = fma(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = fma(av, b0, c10);
    c11 = fma(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = fma(av, b0, c20);
    c21 = fma(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = fma(av, b0, c30);
    c31 = fma(av, b1, c31);
    ap += 16;
    bp += 32;
  }
  if (mr == MR && nr == NR) {
    let r = c;
    if (add) {
      c00 = f32x4.add(v128.load(r), c00);
      c01 = f32x4.add(v128.load(r, 16), c01);
      c10 = f32x4.add(v128.load(r + ldc), c10);
      c11 = f32x4.add(v128.load(r + ldc, 16), c11);
      c20 = f32x4.add(v128.load(r + 2 * ldc), c20);
      c21 = f32x4.add(v128.load(r + 2 * ldc, 16), c21);
      c30 = f32x4.add(v128.load(r + 3 * ldc), c30);
      c31 = f32x4.add(v128.load(r + 3 * ldc, 16), c31);
    }
    v128.store(r, c00);
    v128.store(r, c01, 16);
    r += ldc;
    v128.store(r, c10);
    v128.store(r, c11, 16);
    r += ldc;
    v128.store(r, c20);
    v128.store(r, c21, 16);
    r += ldc;
    v128.store(r, c30);
    v128.store(r, c31, 16);
    return;
  }
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const t = tmp + ((<usize>i * <usize>NR) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, add ? load<f32>(row + o) + load<f32>(t + o) : load<f32>(t + o));
    }
  }
}

/**
 * C[i0:i1, j0:j1] (+)= op(A)[i0:i1, :] · op(B)[:, j0:j1] from panels packed by packA / packB
 * (overwriting C unless `accumulate`: no zero-fill pass needed).
 * i0 is a multiple of MR and j0 of NR. Tiles are independent, so threads can share one packing
 * and split C by tiles. `tmp` needs MR*NR floats per thread.
 */
export function gemmTile(m: i32, n: i32, k: i32, apack: usize, bpack: usize, c: usize, i0: i32, i1: i32, j0: i32, j1: i32, tmp: usize, accumulate: bool): void {
  const ldc = <usize>n << 2;
  // Even k blocks (e.g. 288 -> 2 x 144, not 256 + 32) keep every block long enough to pay off.
  const kblocks = (k + KC - 1) / KC;
  const kcStep = (k + kblocks - 1) / kblocks;
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    for (let j = j0; j < j1; j += NR) {
      const nr = min(NR, j1 - j);
      const bp = bpack + ((<usize>j * <usize>k + <usize>pc * <usize>NR) << 2);
      for (let i = i0; i < i1; i += MR) {
        const mr = min(MR, i1 - i);
        const ap = apack + ((<usize>i * <usize>k + <usize>pc * <usize>MR) << 2);
        kernel(kc, ap, bp, c + <usize>i * ldc + (<usize>j << 2), ldc, mr, nr, tmp, accumulate || pc > 0);
      }
    }
  }
}
