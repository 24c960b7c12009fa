/**
 * 2-D convolution as im2col + GEMM, per image, in NCHW layout (PyTorch's and ONNX's). Grouped
 * and depthwise convolutions (`groups` > 1) go to grouped-conv.ts.
 * The backward pass recomputes im2col instead of keeping every image's columns alive. The
 * per-image loops live in the kernels (conv2dForward/conv2dBackward), once per batch.
 */
import { Tensor } from '../tensor.js';
import { kernels, type ConvGeometry } from '../kernels/index.js';
import { shapeMismatch } from '../shape.js';
import { depthwiseBackward, depthwiseForward, groupedConv, type GroupedGeometry } from './grouped-conv.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Channel groups (default 1); depthwise when groups = C. C and O must both divide by it. */
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** x [N, C, H, W], w [O, C / groups, kh, kw], b [O] → [N, O, oh, ow]. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const groups = opts.groups ?? 1;
  if (x.ndim !== 4 || w.ndim !== 4 || !Number.isInteger(groups) || groups < 1 || x.shape[1] !== w.shape[1]! * groups || w.shape[0]! % groups !== 0) {
    throw shapeMismatch(`conv2d: input [${x.shape}] does not fit weight [${w.shape}] with ${groups} group(s)`);
  }
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = pair(opts.stride, 1);
  const [ph, pw] = pair(opts.padding, 0);
  const oh = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw shapeMismatch(`conv2d: kernel ${kh}x${kw} larger than padded input ${H}x${W}`);
  const g: ConvGeometry = { c: C, h: H, w: W, kh, kw, sh, sw, ph, pw, oh, ow };
  if (groups > 1) return grouped(x, w, b, { ...g, n: N, o: O, groups });
  const K = kernels();
  const out = new Float32Array(N * O * oh * ow); // [N, O, oh*ow]
  // One kernel call per batch: the backend unfolds each image into its own scratch (and may split images over threads).
  K.conv2dForward({ x: x.data, w: w.data, bias: b ? b.data : null, g, n: N, o: O, y: out });
  const parents = b ? [x, w, b] : [x, w];
  return Tensor.fromOp(out, [N, O, oh, ow], parents, (gOut) => {
    K.conv2dBackward({
      x: x.data,
      w: w.data,
      gy: gOut, // [N, O, oh*ow]
      g,
      n: N,
      o: O,
      gw: w.requiresGrad ? w.gradBuffer() : null, // [O, C*kh*kw]
      gb: b && b.requiresGrad ? b.gradBuffer() : null,
      gx: x.requiresGrad ? x.gradBuffer() : null, // [N, C, H, W]
    });
  });
}

/**
 * groups > 1: the direct depthwise loop when each group has one input channel, else one dense conv
 * per group. The common MobileNet case (3×3, padding 1, stride 1 or 2, one output per channel)
 * goes to the backend's depthwise kernel when it has one; any other shape, or a backend that
 * declines, runs the TypeScript loop.
 */
function grouped(x: Tensor, w: Tensor, b: Tensor | null, g: GroupedGeometry): Tensor {
  if (g.c !== g.groups) return groupedConv(x, w, b, g);
  const K = kernels();
  const fast = g.o === g.c && g.kh === 3 && g.kw === 3 && g.ph === 1 && g.pw === 1 && g.sh === g.sw && (g.sh === 1 || g.sh === 2);
  const batch = { n: g.n, c: g.c, h: g.h, w: g.w, stride: g.sh as 1 | 2, oh: g.oh, ow: g.ow, x: x.data, weights: w.data };
  const out = new Float32Array(g.n * g.o * g.oh * g.ow); // [N, O, oh, ow]
  if (!(fast && K.depthwise3x3Forward?.({ ...batch, bias: b ? b.data : null, y: out }))) {
    depthwiseForward(x.data, w.data, b ? b.data : null, g, out);
  }
  const parents = b ? [x, w, b] : [x, w];
  return Tensor.fromOp(out, [g.n, g.o, g.oh, g.ow], parents, (gOut) => {
    const gx = x.requiresGrad ? x.gradBuffer() : null;
    const gw = w.requiresGrad ? w.gradBuffer() : null;
    const gb = b && b.requiresGrad ? b.gradBuffer() : null;
    if (fast && K.depthwise3x3Backward?.({ ...batch, gy: gOut, gx, gw, gb })) return;
    depthwiseBackward(x.data, w.data, gOut, g, gx, gw, gb);
  });
}
