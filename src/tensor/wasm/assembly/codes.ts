// Int8 code scans for the vector index (src/vision/vector-index.ts, via src/tensor/wasm/codes-api.ts):
// one query's int16 weights against every int8 code row, as exact integer dot products. The JS
// side turns them into distance bounds and reranks a shortlist exactly, so the integer rounding
// never changes a result. i32x4.dot_i16x8_s does 8 multiply-adds per instruction, against 4 for a
// float path that would first widen each byte to f32.

/**
 * out[r] = Σ_j w[j]·codes[r·stride + j] for r < n, as i32. codes are int8 [n, stride], w is int16
 * [stride], out is i32 [n]; stride is a multiple of 16 (the caller zero-pads rows and weights).
 * No overflow check: the caller bounds |w| so that stride·127·max|w| < 2³¹ (32767 up to stride 512).
 */
export function codesDotI16(codes: usize, n: i32, stride: i32, w: usize, out: usize): void {
  const rowBytes = <usize>stride;
  let r = 0;
  // Two rows per pass share each weight load.
  for (; r + 2 <= n; r += 2) {
    const c0 = codes + <usize>r * rowBytes;
    const c1 = c0 + rowBytes;
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let b0 = i32x4.splat(0);
    let b1 = i32x4.splat(0);
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const wl = v128.load(w + (j << 1));
      const wh = v128.load(w + (j << 1), 16);
      const v0 = v128.load(c0 + j);
      const v1 = v128.load(c1 + j);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), wl));
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), wh));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v1), wl));
      b1 = i32x4.add(b1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v1), wh));
    }
    const s0 = i32x4.add(a0, b0);
    const s1 = i32x4.add(a1, b1);
    store<i32>(out + (<usize>r << 2), i32x4.extract_lane(s0, 0) + i32x4.extract_lane(s0, 1) + i32x4.extract_lane(s0, 2) + i32x4.extract_lane(s0, 3));
    store<i32>(out + (<usize>(r + 1) << 2), i32x4.extract_lane(s1, 0) + i32x4.extract_lane(s1, 1) + i32x4.extract_lane(s1, 2) + i32x4.extract_lane(s1, 3));
  }
  if (r < n) {
    const c0 = codes + <usize>r * rowBytes;
    let a0 = i32x4.splat(0);
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const v0 = v128.load(c0 + j);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), v128.load(w + (j << 1))));
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), v128.load(w + (j << 1), 16)));
    }
    store<i32>(out + (<usize>r << 2), i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3));
  }
}
