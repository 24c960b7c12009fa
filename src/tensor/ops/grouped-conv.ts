/**
 * Grouped 2-D convolution (PyTorch's `groups`, ONNX's `group`), NCHW. Two paths:
 * - one input channel per group (depthwise, with any channel multiplier): a direct sliding-window
 *   loop. im2col would build a C·kh·kw × oh·ow matrix only to multiply each channel's slice by a
 *   1 × kh·kw row, so a direct loop does the same arithmetic without the copy or the wasted GEMM setup;
 * - several input channels per group: each group's channels are copied out contiguous and run
 *   through the dense conv kernels (im2col + GEMM), then scattered back.
 */
import { Tensor } from '../tensor.js';
import { kernels, type ConvGeometry } from '../kernels/index.js';

/** Geometry of one grouped conv call, everything the loops below need. */
export interface GroupedGeometry extends ConvGeometry {
  n: number;
  o: number;
  groups: number;
}

/**
 * Depthwise forward: output channel o reads input channel ⌊o / m⌋ (m = O / C, the multiplier).
 * Loop order n → o → oy → ky → ox → kx keeps the input row and the output row hot.
 */
export function depthwiseForward(x: Float32Array, w: Float32Array, b: Float32Array | null, g: GroupedGeometry, y: Float32Array): void {
  const { n: N, o: O, c: C, h: H, w: W, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const m = O / C;
  const hw = H * W;
  const ohw = oh * ow;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const xb = (n * C + Math.floor(o / m)) * hw;
      const yb = (n * O + o) * ohw;
      const wb = o * kh * kw;
      y.fill(b ? b[o]! : 0, yb, yb + ohw);
      for (let oy = 0; oy < oh; oy++) {
        const yr = yb + oy * ow;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          if (iy < 0 || iy >= H) continue;
          const xr = xb + iy * W;
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[wb + ky * kw + kx]!;
            // ox range with 0 ≤ ox·sw − pw + kx < W, so the inner loop has no bounds test.
            const lo = Math.max(0, Math.ceil((pw - kx) / sw));
            const hi = Math.min(ow - 1, Math.floor((W - 1 + pw - kx) / sw));
            for (let ox = lo, ix = lo * sw - pw + kx; ox <= hi; ox++, ix += sw) y[yr + ox]! += wv * x[xr + ix]!;
          }
        }
      }
    }
  }
}

/** Depthwise backward: the same windows, accumulating into whichever of gx, gw, gb are asked for. */
export function depthwiseBackward(
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  g: GroupedGeometry,
  gx: Float32Array | null,
  gw: Float32Array | null,
  gb: Float32Array | null,
): void {
  const { n: N, o: O, c: C, h: H, w: W, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const m = O / C;
  const hw = H * W;
  const ohw = oh * ow;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const xb = (n * C + Math.floor(o / m)) * hw;
      const yb = (n * O + o) * ohw;
      const wb = o * kh * kw;
      if (gb) {
        let s = 0;
        for (let i = yb; i < yb + ohw; i++) s += gy[i]!;
        gb[o]! += s;
      }
      for (let oy = 0; oy < oh; oy++) {
        const yr = yb + oy * ow;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          if (iy < 0 || iy >= H) continue;
          const xr = xb + iy * W;
          for (let kx = 0; kx < kw; kx++) {
            const wi = wb + ky * kw + kx;
            const wv = w[wi]!;
            const lo = Math.max(0, Math.ceil((pw - kx) / sw));
            const hi = Math.min(ow - 1, Math.floor((W - 1 + pw - kx) / sw));
            let acc = 0;
            for (let ox = lo, ix = lo * sw - pw + kx; ox <= hi; ox++, ix += sw) {
              const gv = gy[yr + ox]!;
              acc += gv * x[xr + ix]!;
              if (gx) gx[xr + ix]! += gv * wv;
            }
            if (gw) gw[wi]! += acc;
          }
        }
      }
    }
  }
}

/** Copy channels [c0, c0 + cg) of every image into a contiguous [N, cg, H, W] buffer (or back, adding). */
function sliceChannels(src: Float32Array, dst: Float32Array, n: number, c: number, c0: number, cg: number, hw: number, back: boolean): void {
  for (let i = 0; i < n; i++) {
    const s = (i * c + c0) * hw;
    const d = i * cg * hw;
    if (!back) dst.set(src.subarray(s, s + cg * hw), d);
    else for (let k = 0; k < cg * hw; k++) src[s + k]! += dst[d + k]!;
  }
}

/** Grouped conv with several input channels per group, one dense conv per group. */
export function groupedConv(x: Tensor, w: Tensor, b: Tensor | null, g: GroupedGeometry): Tensor {
  const { n: N, o: O, c: C, h: H, w: W, oh, ow, groups } = g;
  const cg = C / groups;
  const og = O / groups;
  const hw = H * W;
  const ohw = oh * ow;
  const wsz = og * cg * g.kh * g.kw;
  const sub: ConvGeometry = { ...g, c: cg };
  const K = kernels();
  const out = new Float32Array(N * O * ohw);
  const xs = new Float32Array(N * cg * hw);
  const ys = new Float32Array(N * og * ohw);
  for (let gi = 0; gi < groups; gi++) {
    sliceChannels(x.data, xs, N, C, gi * cg, cg, hw, false);
    const bias = b ? b.data.subarray(gi * og, (gi + 1) * og) : null;
    ys.fill(0);
    K.conv2dForward({ x: xs, w: w.data.subarray(gi * wsz, (gi + 1) * wsz), bias, g: sub, n: N, o: og, y: ys });
    for (let i = 0; i < N; i++) out.set(ys.subarray(i * og * ohw, (i + 1) * og * ohw), (i * O + gi * og) * ohw);
  }
  const parents = b ? [x, w, b] : [x, w];
  return Tensor.fromOp(out, [N, O, oh, ow], parents, (gOut) => {
    const gxs = x.requiresGrad ? new Float32Array(N * cg * hw) : null;
    for (let gi = 0; gi < groups; gi++) {
      sliceChannels(x.data, xs, N, C, gi * cg, cg, hw, false);
      for (let i = 0; i < N; i++) ys.set(gOut.subarray((i * O + gi * og) * ohw, (i * O + (gi + 1) * og) * ohw), i * og * ohw);
      gxs?.fill(0);
      K.conv2dBackward({
        x: xs,
        w: w.data.subarray(gi * wsz, (gi + 1) * wsz),
        gy: ys,
        g: sub,
        n: N,
        o: og,
        gw: w.requiresGrad ? w.gradBuffer().subarray(gi * wsz, (gi + 1) * wsz) : null,
        gb: b && b.requiresGrad ? b.gradBuffer().subarray(gi * og, (gi + 1) * og) : null,
        gx: gxs,
      });
      if (gxs) sliceChannels(x.gradBuffer(), gxs, N, C, gi * cg, cg, hw, true);
    }
  });
}
