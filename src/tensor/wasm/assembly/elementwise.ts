// Elementwise and pooling passes in WebAssembly. Their JS forms branch on the data (x > 0,
// v > best), and random signs make those branches mispredict half the time; here they are
// SIMD lane masks and `select`, so the cost is the memory traffic alone.

/** y = max(x, 0) over n floats (NaN stays NaN, as in PyTorch). */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 || v != v ? v : 0);
  }
}

/** gx += g where x > 0, over n floats. */
export function reluBackward(x: usize, g: usize, gx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pass = v128.and(v128.load(g + o), f32x4.gt(v128.load(x + o), zero));
    v128.store(gx + o, f32x4.add(v128.load(gx + o), pass));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(x + o) > 0) store<f32>(gx + o, load<f32>(gx + o) + load<f32>(g + o));
  }
}

/**
 * Max pooling of nc planes x [nc, h, w] into y [nc, oh, ow]; arg gets each maximum's flat index
 * into x (-1 when a window lies wholly in the padding). Ties keep the first maximum, as the JS kernel.
 */
export function maxPool2d(x: usize, nc: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, y: usize, arg: usize): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0) {
    maxPool2x2(x, nc, h, w, oh, ow, y, arg);
    return;
  }
  let o: usize = 0;
  for (let p = 0; p < nc; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(0, oy * sh - ph);
      const y1 = min(h, oy * sh - ph + kh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(0, ox * sw - pw);
        const x1 = min(w, ox * sw - pw + kw);
        let best: f32 = -Infinity;
        let bi: i32 = -1;
        for (let iy = y0; iy < y1; iy++) {
          const row = base + iy * w;
          for (let ix = x0; ix < x1; ix++) {
            const v = load<f32>(x + (<usize>(row + ix) << 2));
            const gt = v > best;
            best = select<f32>(v, best, gt);
            bi = select<i32>(row + ix, bi, gt);
          }
        }
        store<f32>(y + (o << 2), best);
        store<i32>(arg + (o << 2), bi);
        o++;
      }
    }
  }
}

/** Keep (v, vi) where v > best: lane masks, so no branch (V8 compiles a scalar f32 select to one). */
// @ts-ignore: decorator
@inline function better(v: v128, vi: v128, best: v128, bi: v128, out: usize): v128 {
  const gt = f32x4.gt(v, best);
  v128.store(out, v128.bitselect(vi, bi, gt));
  return v128.bitselect(v, best, gt);
}

/**
 * The CNN case, 2x2 windows with stride 2: four outputs at a time. Even and odd input columns
 * are split by shuffles, and candidates are visited in the scalar order (row 0 left, right, row
 * 1 left, right) from -Infinity, so ties and NaNs resolve exactly as the general loop does.
 */
function maxPool2x2(x: usize, nc: i32, h: i32, w: i32, oh: i32, ow: i32, y: usize, arg: usize): void {
  const lanes = i32x4(0, 2, 4, 6);
  let o: usize = 0;
  for (let p = 0; p < nc; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = base + 2 * oy * w;
      const r1 = r0 + w;
      let ox = 0;
      for (; ox + 4 <= ow && 2 * ox + 8 <= w; ox += 4) {
        const a0 = v128.load(x + (<usize>(r0 + 2 * ox) << 2));
        const a1 = v128.load(x + (<usize>(r0 + 2 * ox + 4) << 2));
        const b0 = v128.load(x + (<usize>(r1 + 2 * ox) << 2));
        const b1 = v128.load(x + (<usize>(r1 + 2 * ox + 4) << 2));
        const i0 = i32x4.add(i32x4.splat(r0 + 2 * ox), lanes);
        const i1 = i32x4.add(i32x4.splat(r1 + 2 * ox), lanes);
        const one = i32x4.splat(1);
        const ao = arg + (o << 2);
        v128.store(ao, i32x4.splat(-1));
        let best = f32x4.splat(-Infinity);
        best = better(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), i0, best, v128.load(ao), ao);
        best = better(v128.shuffle<f32>(a0, a1, 1, 3, 5, 7), i32x4.add(i0, one), best, v128.load(ao), ao);
        best = better(v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), i1, best, v128.load(ao), ao);
        best = better(v128.shuffle<f32>(b0, b1, 1, 3, 5, 7), i32x4.add(i1, one), best, v128.load(ao), ao);
        v128.store(y + (o << 2), best);
        o += 4;
      }
      for (; ox < ow; ox++) {
        let best: f32 = -Infinity;
        let bi: i32 = -1;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const idx = r0 + dy * w + 2 * ox + dx;
            const v = load<f32>(x + (<usize>idx << 2));
            if (v > best) {
              best = v;
              bi = idx;
            }
          }
        store<f32>(y + (o << 2), best);
        store<i32>(arg + (o << 2), bi);
        o++;
      }
    }
  }
}
