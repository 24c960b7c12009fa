// im2col / col2im in WebAssembly: the unfold that turns convolution into GEMM, and its adjoint.
// Stride-1 rows are contiguous runs of the input, so they move with inline SIMD copies / adds
// (memory.copy / memory.fill are calls into the runtime: too slow for runs of 14 floats).

/** dst[0:n] = src[0:n] for short runs. */
// @ts-ignore: decorator
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0:n] = 0 for short runs. */
// @ts-ignore: decorator
@inline function zeroRun(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * Unfold x [c, h, w] into cols [c*kh*kw, oh*ow]; padded reads are zero.
 * Pointers are byte offsets into linear memory.
 */
export function im2col(x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, cols: usize): void {
  let o = cols;
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        // Output columns ox whose input column ix = ox*sw - pw + kj lies inside [0, w).
        const lo = kj >= pw ? 0 : (pw - kj + sw - 1) / sw;
        const hiRaw = (w - 1 + pw - kj) / sw + 1; // first ox past the right edge (pre-clamp)
        const hi = w - 1 + pw - kj < 0 ? 0 : min(ow, hiRaw);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki;
          if (iy < 0 || iy >= h || hi <= lo) {
            zeroRun(o, ow);
          } else {
            for (let ox = 0; ox < lo; ox++) store<f32>(o + (<usize>ox << 2), 0);
            const xrow = x + ((<usize>(ch * h + iy) * <usize>w) << 2);
            if (sw == 1) {
              copyRun(o + (<usize>lo << 2), xrow + (<usize>(lo - pw + kj) << 2), hi - lo);
            } else {
              for (let ox = lo; ox < hi; ox++) store<f32>(o + (<usize>ox << 2), load<f32>(xrow + (<usize>(ox * sw - pw + kj) << 2)));
            }
            for (let ox = hi; ox < ow; ox++) store<f32>(o + (<usize>ox << 2), 0);
          }
          o += <usize>ow << 2;
        }
      }
    }
  }
}

/** dst[0:n] += src[0:n], four lanes at a time. */
// @ts-ignore: decorator
@inline export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** The adjoint of im2col: add cols [c*kh*kw, oh*ow] back into dx [c, h, w]. */
export function col2im(cols: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, dx: usize): void {
  let o = cols;
  for (let ch = 0; ch < c; ch++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const lo = kj >= pw ? 0 : (pw - kj + sw - 1) / sw;
        const hiRaw = (w - 1 + pw - kj) / sw + 1;
        const hi = w - 1 + pw - kj < 0 ? 0 : min(ow, hiRaw);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + ki;
          if (iy >= 0 && iy < h && hi > lo) {
            const xrow = dx + ((<usize>(ch * h + iy) * <usize>w) << 2);
            if (sw == 1) {
              addInto(xrow + (<usize>(lo - pw + kj) << 2), o + (<usize>lo << 2), hi - lo);
            } else {
              for (let ox = lo; ox < hi; ox++) {
                const p = xrow + (<usize>(ox * sw - pw + kj) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(o + (<usize>ox << 2)));
              }
            }
          }
          o += <usize>ow << 2;
        }
      }
    }
  }
}
