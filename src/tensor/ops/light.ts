/**
 * The pointwise and pooling ops of light (MobileNet-style) networks: ReLU6, Hardswish and
 * global average pooling. Each is one pass forward and one pass backward, no temporaries.
 */
import { Tensor } from '../tensor.js';
import { shapeMismatch } from '../shape.js';

/**
 * min(max(x, 0), 6); the gradient is 1 strictly inside (0, 6), as PyTorch's hardtanh.
 * Both loops are branch-free: after batch norm half the inputs are negative at random, and the
 * mispredicted branches made the ternary forms 3–5× slower (profiled on mobilenet-mini).
 * (|v| − |v − 6| + 6) / 2 is exact in double for float32 v, so it equals the clamp bit for bit.
 */
export function relu6(x: Tensor): Tensor {
  const n = x.size;
  const xd = x.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = xd[i]!;
    out[i] = (Math.abs(v) - Math.abs(v - 6) + 6) * 0.5;
  }
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < n; i++) {
      const v = xd[i]!;
      gx[i]! += g[i]! * (+(v > 0) & +(v < 6)); // a 0/1 mask, not a branch
    }
  });
}

/** x · relu6(x + 3) / 6 (MobileNetV3's hard swish, ONNX HardSwish). */
export function hardswish(x: Tensor): Tensor {
  const n = x.size;
  const xd = x.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = xd[i]!;
    out[i] = v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6;
  }
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < n; i++) {
      const v = xd[i]!;
      gx[i]! += v < -3 ? 0 : v > 3 ? g[i]! : (g[i]! * (2 * v + 3)) / 6;
    }
  });
}

/** [N, C, H, W] → [N, C, 1, 1], the mean of each plane (ONNX GlobalAveragePool keeps the 1×1). */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.ndim !== 4) throw shapeMismatch(`global average pooling needs [N,C,H,W], got [${x.shape}]`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const planes = N * C;
  const hw = H * W;
  const xd = x.data;
  const out = new Float32Array(planes);
  for (let p = 0; p < planes; p++) {
    let s = 0;
    for (let i = p * hw; i < (p + 1) * hw; i++) s += xd[i]!;
    out[p] = s / hw;
  }
  return Tensor.fromOp(out, [N, C, 1, 1], [x], (g) => {
    const gx = x.gradBuffer();
    for (let p = 0; p < planes; p++) {
      const v = g[p]! / hw;
      for (let i = p * hw; i < (p + 1) * hw; i++) gx[i]! += v;
    }
  });
}
