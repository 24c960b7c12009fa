// 16-bit float conversions for mixed precision (Node 20 has no Float16Array). Both formats round to
// nearest, ties to even, as hardware casts do. bf16 is the top half of an f32, so SIMD does 8 lanes
// at a time; f16 needs exponent rebiasing, subnormals and overflow to infinity: one value at a time.

// @ts-ignore: decorator
@inline function bf16Bits(b: u32): u32 {
  if ((b & 0x7fffffff) > 0x7f800000) return (b >> 16) | 0x40; // NaN stays a (quiet) NaN
  return (b + 0x7fff + ((b >> 16) & 1)) >> 16;
}

// @ts-ignore: decorator
@inline function bf16Lanes(v: v128): v128 {
  const lsb = v128.and(i32x4.shr_u(v, 16), i32x4.splat(1));
  const rounded = i32x4.add(i32x4.add(v, i32x4.splat(0x7fff)), lsb);
  const quiet = v128.or(v, i32x4.splat(0x400000));
  return v128.bitselect(quiet, rounded, f32x4.ne(v, v)); // NaN lanes: quieted, not rounded
}

/** dst[i] (u16) = bf16 of src[i] (f32), n values. */
export function f32ToBf16(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const lo = i32x4.shr_u(bf16Lanes(v128.load(src + (<usize>i << 2))), 16);
    const hi = i32x4.shr_u(bf16Lanes(v128.load(src + (<usize>i << 2) + 16)), 16);
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(lo, hi));
  }
  for (; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>bf16Bits(load<u32>(src + (<usize>i << 2))));
}

/** dst[i] (f32) = src[i] (bf16), n values. */
export function bf16ToF32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(v), 16));
    v128.store(dst + (<usize>i << 2) + 16, i32x4.shl(i32x4.extend_high_i16x8_u(v), 16));
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), (<u32>load<u16>(src + (<usize>i << 1))) << 16);
}

/** dst[i] = src[i] rounded to the nearest bf16 value, kept as f32 (dst may equal src). */
export function roundBf16(src: usize, dst: usize, n: i32): void {
  const top = i32x4.splat(0xffff0000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.and(bf16Lanes(v128.load(src + o)), top));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(dst + o, bf16Bits(load<u32>(src + o)) << 16);
  }
}

// @ts-ignore: decorator
@inline function f16Bits(x: u32): u32 {
  const sign = (x >> 16) & 0x8000;
  let f = x & 0x7fffffff;
  if (f >= 0x47800000) return sign | (f > 0x7f800000 ? 0x7e00 : 0x7c00); // ≥ 65536: inf (NaN stays NaN)
  if (f < 0x38800000) {
    // Below 2^-14: an f16 subnormal. Adding 0.5 lines the f16 ulp up with the f32 ulp, so the FPU rounds.
    return sign | (reinterpret<u32>(reinterpret<f32>(f) + reinterpret<f32>(0x3f000000)) - 0x3f000000);
  }
  const odd = (f >> 13) & 1;
  f += 0xc8000fff + odd; // rebias the exponent (−112 << 23) and add the round-to-even bias
  return sign | (f >> 13);
}

// @ts-ignore: decorator
@inline function f16Value(h: u32): u32 {
  const sign = (h & 0x8000) << 16;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e == 0) return sign | reinterpret<u32>(<f32>m * 5.9604644775390625e-8); // m · 2^-24, exact
  if (e == 31) return sign | 0x7f800000 | (m << 13);
  return sign | ((e + 112) << 23) | (m << 13);
}

/** dst[i] (u16) = IEEE half of src[i] (f32), n values. */
export function f32ToF16(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>f16Bits(load<u32>(src + (<usize>i << 2))));
}

/** dst[i] (f32) = src[i] (IEEE half), n values. */
export function f16ToF32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u32>(dst + (<usize>i << 2), f16Value(<u32>load<u16>(src + (<usize>i << 1))));
}

/** dst[i] = src[i] rounded to the nearest half value (±inf past 65504), kept as f32 (dst may equal src). */
export function roundF16(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(dst + o, f16Value(f16Bits(load<u32>(src + o))));
  }
}
