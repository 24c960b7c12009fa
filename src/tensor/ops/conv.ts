/**
 * 2-D convolution as im2col + GEMM, per image, in NCHW layout (PyTorch's and ONNX's).
 * The backward pass recomputes im2col instead of keeping every image's columns alive.
 */
import { Tensor } from '../tensor.js';
import { kernels, type ConvGeometry } from '../kernels/index.js';
import { shapeMismatch } from '../shape.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** x [N, C, H, W], w [O, C, kh, kw], b [O] → [N, O, oh, ow]. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  if (x.ndim !== 4 || w.ndim !== 4 || x.shape[1] !== w.shape[1]) {
    throw shapeMismatch(`conv2d: input [${x.shape}] does not fit weight [${w.shape}]`);
  }
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = pair(opts.stride, 1);
  const [ph, pw] = pair(opts.padding, 0);
  const oh = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw shapeMismatch(`conv2d: kernel ${kh}x${kw} larger than padded input ${H}x${W}`);
  const g: ConvGeometry = { c: C, h: H, w: W, kh, kw, sh, sw, ph, pw, oh, ow };
  const ckk = C * kh * kw;
  const ohw = oh * ow;
  const K = kernels();
  const cols = new Float32Array(ckk * ohw); // [C*kh*kw, oh*ow], reused per image
  const out = new Float32Array(N * O * ohw); // [N, O, oh*ow]
  for (let n = 0; n < N; n++) {
    K.im2col(x.data.subarray(n * C * H * W, (n + 1) * C * H * W), g, cols);
    const yn = out.subarray(n * O * ohw, (n + 1) * O * ohw);
    if (b) for (let o = 0; o < O; o++) yn.fill(b.data[o]!, o * ohw, (o + 1) * ohw);
    K.gemm(false, false, O, ohw, ckk, w.data, cols, yn, b !== null); // [O,ckk]·[ckk,ohw]
  }
  const parents = b ? [x, w, b] : [x, w];
  return Tensor.fromOp(out, [N, O, oh, ow], parents, (gOut) => {
    const gcols = x.requiresGrad ? new Float32Array(ckk * ohw) : null;
    for (let n = 0; n < N; n++) {
      const gy = gOut.subarray(n * O * ohw, (n + 1) * O * ohw); // [O, ohw]
      if (w.requiresGrad) {
        K.im2col(x.data.subarray(n * C * H * W, (n + 1) * C * H * W), g, cols);
        K.gemm(false, true, O, ckk, ohw, gy, cols, w.gradBuffer(), true); // gW [O,ckk] += gy · colsᵀ
      }
      if (gcols) {
        K.gemm(true, false, ckk, ohw, O, w.data, gy, gcols, false); // [ckk,ohw] = Wᵀ · gy
        K.col2im(gcols, g, x.gradBuffer().subarray(n * C * H * W, (n + 1) * C * H * W));
      }
    }
    if (b && b.requiresGrad) {
      const gb = b.gradBuffer();
      for (let n = 0; n < N; n++)
        for (let o = 0; o < O; o++) {
          let s = 0;
          const base = (n * O + o) * ohw;
          for (let i = 0; i < ohw; i++) s += gOut[base + i]!;
          gb[o]! += s;
        }
    }
  });
}
