/**
 * Baselines for integrated gradients: the "absence of signal" the path starts from. zeros (black
 * image), blur (a Gaussian-blurred copy of the input: keeps the overall intensity, removes the
 * detail, after Sturmfels et al. 2020) and mean (a dataset's mean image when given, else each
 * channel's mean of the input itself).
 */
import { invalidArgument } from '../core/errors.js';

export const BASELINE_NAMES = ['zeros', 'blur', 'mean'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Separable Gaussian blur of each channel (edges clamp). */
export function gaussianBlur(x: Float32Array, dims: readonly [number, number, number], sigma: number): Float32Array {
  const [C, H, W] = dims;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((a, b) => a + b, 0);
  const tmp = new Float32Array(x.length);
  const out = new Float32Array(x.length);
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  for (let c = 0; c < C; c++) {
    const o = c * H * W;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * x[o + i * W + clamp(j + t, W - 1)]!;
        tmp[o + i * W + j] = s / ks;
      }
    }
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * tmp[o + clamp(i + t, H - 1) * W + j]!;
        out[o + i * W + j] = s / ks;
      }
    }
  }
  return out;
}

export interface BaselineOptions {
  /** Blur sigma in pixels (default: a quarter of the smaller image side, at least 1). */
  sigma?: number;
  /** For 'mean': the dataset's mean image, shaped like one sample. */
  meanImage?: Float32Array;
}

/** The baseline for `x`, laid out as the image `dims` [C, H, W]. */
export function makeBaseline(kind: BaselineName | Float32Array, x: Float32Array, dims: readonly [number, number, number], o: BaselineOptions = {}): Float32Array {
  if (kind instanceof Float32Array) {
    if (kind.length !== x.length) throw invalidArgument(`baseline has ${kind.length} values; the input has ${x.length}`);
    return kind;
  }
  switch (kind) {
    case 'zeros':
      return new Float32Array(x.length);
    case 'blur': {
      const side = dims[1] === 1 ? dims[2] : Math.min(dims[1], dims[2]);
      return gaussianBlur(x, dims, o.sigma ?? Math.max(1, side / 4));
    }
    case 'mean': {
      if (o.meanImage) return makeBaseline(o.meanImage, x, dims);
      const [C, H, W] = dims;
      const out = new Float32Array(x.length);
      for (let c = 0; c < C; c++) {
        const ch = x.subarray(c * H * W, (c + 1) * H * W);
        out.fill(ch.reduce((a, b) => a + b, 0) / ch.length, c * H * W, (c + 1) * H * W);
      }
      return out;
    }
  }
  throw invalidArgument(`unknown baseline ${JSON.stringify(kind)}; valid: ${BASELINE_NAMES.join(', ')}`);
}
