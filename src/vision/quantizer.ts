/**
 * Per-dimension int8 scalar quantisation: each dimension maps its fitted range [lo, hi] (clipped
 * to ±5σ so outliers do not waste resolution) onto the codes −127…127. Decoding is
 * x̂ = scale·code + offset, which the index uses for asymmetric (float query vs code) distances.
 */
import { LeptonError, invalidArgument } from '../core/errors.js';

export interface Quantizer {
  dims: number;
  /** [dims] x̂ = scale·code + offset. */
  scale: Float32Array;
  offset: Float32Array;
}

/** Fit ranges on sample vectors z [n, dims]. */
export function fitQuantizer(z: Float32Array, n: number, dims: number): Quantizer {
  if (n < 1 || z.length !== n * dims) throw invalidArgument(`quantizer: ${z.length} values cannot be [${n}, ${dims}]`);
  const scale = new Float32Array(dims);
  const offset = new Float32Array(dims);
  for (let j = 0; j < dims; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = z[i * dims + j] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
    lo = Math.max(lo, mean - 5 * sd);
    hi = Math.min(hi, mean + 5 * sd);
    const range = hi - lo > 1e-12 ? hi - lo : 1e-12;
    scale[j] = range / 254;
    offset[j] = lo + 127 * (scale[j] as number);
  }
  return { dims, scale, offset };
}

/** Codes [n, dims] for vectors z [n, dims], saturating outside the fitted range. */
export function quantize(q: Quantizer, z: Float32Array, out = new Int8Array(z.length)): Int8Array {
  if (z.length % q.dims !== 0) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `vectors must have ${q.dims} dimensions`);
  for (let i = 0; i < z.length; i++) {
    const j = i % q.dims;
    const c = Math.round(((z[i] as number) - (q.offset[j] as number)) / (q.scale[j] as number));
    out[i] = c < -127 ? -127 : c > 127 ? 127 : c;
  }
  return out;
}

/** Vectors [n, dims] back from codes. */
export function dequantize(q: Quantizer, codes: Int8Array, out = new Float32Array(codes.length)): Float32Array {
  for (let i = 0; i < codes.length; i++) {
    const j = i % q.dims;
    out[i] = (q.scale[j] as number) * (codes[i] as number) + (q.offset[j] as number);
  }
  return out;
}
