/** Max and average pooling over NCHW tensors (PyTorch semantics: floor mode, avg counts padding). */
import { Tensor } from '../tensor.js';
import { shapeMismatch } from '../shape.js';
import { kernels } from '../kernels/index.js';

export interface Pool2dOptions {
  kernel: number | [number, number];
  stride?: number | [number, number];
  padding?: number | [number, number];
}

function geometry(x: Tensor, o: Pool2dOptions) {
  if (x.ndim !== 4) throw shapeMismatch(`pooling needs [N,C,H,W], got [${x.shape}]`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = typeof o.kernel === 'number' ? [o.kernel, o.kernel] : o.kernel;
  const st = o.stride ?? o.kernel;
  const [sh, sw] = typeof st === 'number' ? [st, st] : st;
  const pd = o.padding ?? 0;
  const [ph, pw] = typeof pd === 'number' ? [pd, pd] : pd;
  const oh = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw shapeMismatch(`pooling window ${kh}x${kw} larger than input ${H}x${W}`);
  return { N, C, H, W, kh, kw, sh, sw, ph, pw, oh, ow };
}

/** [N, C, H, W] → [N, C, oh, ow]; the gradient flows to each window's max. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const { N, C, H, W, kh, kw, sh, sw, ph, pw, oh, ow } = geometry(x, opts);
  const out = new Float32Array(N * C * oh * ow); // [N, C, oh, ow]
  const arg = new Int32Array(out.length); // flat index into x of each window's max
  kernels().maxPool2d(x.data, { h: H, w: W, kh, kw, sh, sw, ph, pw, oh, ow }, N * C, out, arg);
  return Tensor.fromOp(out, [N, C, oh, ow], [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < arg.length; i++) if (arg[i]! >= 0) gx[arg[i]!]! += g[i]!;
  });
}

/** [N, C, H, W] → [N, C, oh, ow]; each output is the window mean (padding counts as zeros). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const { N, C, H, W, kh, kw, sh, sw, ph, pw, oh, ow } = geometry(x, opts);
  const out = new Float32Array(N * C * oh * ow);
  const inv = 1 / (kh * kw);
  const d = x.data;
  const visit = (f: (src: number, o: number) => void): void => {
    let o = 0;
    for (let nc = 0; nc < N * C; nc++) {
      const base = nc * H * W;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++, o++)
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx;
              if (ix >= 0 && ix < W) f(base + iy * W + ix, o);
            }
          }
    }
  };
  visit((src, o) => (out[o]! += d[src]! * inv));
  return Tensor.fromOp(out, [N, C, oh, ow], [x], (g) => {
    const gx = x.gradBuffer();
    visit((src, o) => (gx[src]! += g[o]! * inv));
  });
}
