/**
 * Fused batch normalisation over [N, C] or [N, C, ...] (PyTorch's BatchNorm1d/2d): per-channel
 * statistics, running-stat update and the closed-form backward, in one op instead of ~8 generic
 * ones whose intermediate buffers would dominate a CNN step.
 */
import { Tensor } from '../tensor.js';
import { shapeMismatch } from '../shape.js';

export interface BatchNormOptions {
  /** Use batch statistics and update the running ones (true), or use the running ones (false). */
  training: boolean;
  /** [C] running mean, updated in place while training. */
  runningMean: Float32Array;
  /** [C] running (unbiased) variance, updated in place while training. */
  runningVar: Float32Array;
  /** Weight of the new batch in the running stats (PyTorch default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Clamp the output to [0, 6] (ReLU6) in the same pass: MobileNet's conv → BN → ReLU6 then
   * writes one tensor instead of two, and the backward masks dy on the fly.
   */
  relu6?: boolean;
}

/** y = (x − mean)/√(var + eps) · gamma + beta, per channel (dim 1). gamma, beta are [C]. */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, o: BatchNormOptions): Tensor {
  if (x.ndim < 2) throw shapeMismatch(`batchNorm needs [N, C, ...], got [${x.shape}]`);
  const N = x.shape[0]!;
  const C = x.shape[1]!;
  const inner = x.size / (N * C); // H·W for 2-d, 1 for 1-d
  if (gamma.size !== C || beta.size !== C || o.runningMean.length !== C || o.runningVar.length !== C) {
    throw shapeMismatch(`batchNorm: ${C} channels but parameters of size ${gamma.size}/${beta.size}`);
  }
  const M = N * inner; // values per channel
  const eps = o.eps ?? 1e-5;
  const mom = o.momentum ?? 0.1;
  const d = x.data;
  const mean = new Float64Array(C);
  const invStd = new Float32Array(C);
  if (o.training) {
    if (M < 2) throw shapeMismatch('batchNorm in training mode needs more than one value per channel');
    const sq = new Float64Array(C);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        let s = 0;
        for (let i = 0; i < inner; i++) s += d[base + i]!;
        mean[c]! += s;
      }
    for (let c = 0; c < C; c++) mean[c]! /= M;
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        const m = mean[c]!;
        let s = 0;
        for (let i = 0; i < inner; i++) s += (d[base + i]! - m) ** 2;
        sq[c]! += s;
      }
    for (let c = 0; c < C; c++) {
      const v = sq[c]! / M; // biased: normalises this batch
      invStd[c] = 1 / Math.sqrt(v + eps);
      o.runningMean[c] = (1 - mom) * o.runningMean[c]! + mom * mean[c]!;
      o.runningVar[c] = (1 - mom) * o.runningVar[c]! + mom * (sq[c]! / (M - 1)); // unbiased, as PyTorch
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = o.runningMean[c]!;
      invStd[c] = 1 / Math.sqrt(o.runningVar[c]! + eps);
    }
  }
  const xhat = new Float32Array(x.size); // [N, C, ...] normalised input, reused by backward
  const out = new Float32Array(x.size);
  const gm = gamma.data;
  const bt = beta.data;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * inner;
      const m = mean[c]!;
      const is = invStd[c]!;
      const gc = gm[c]!;
      const bc = bt[c]!;
      for (let i = 0; i < inner; i++) {
        const h = (d[base + i]! - m) * is;
        xhat[base + i] = h;
        out[base + i] = h * gc + bc;
      }
      // Branch-free clamp (exact; see relu6 in ops/light.ts).
      if (o.relu6) for (let i = base; i < base + inner; i++) out[i] = (Math.abs(out[i]!) - Math.abs(out[i]! - 6) + 6) * 0.5;
    }
  const training = o.training;
  return Tensor.fromOp(out, x.shape, [x, gamma, beta], (gOut) => {
    // With relu6, dy reaches the normalisation only where 0 < out < 6 (a 0/1 mask, not a branch).
    let g = gOut;
    if (o.relu6) {
      g = new Float32Array(gOut.length);
      for (let i = 0; i < g.length; i++) g[i] = gOut[i]! * (+(out[i]! > 0) & +(out[i]! < 6));
    }
    const sumG = new Float64Array(C); // Σ dy
    const sumGH = new Float64Array(C); // Σ dy·x̂
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        let a = 0;
        let b = 0;
        for (let i = 0; i < inner; i++) {
          a += g[base + i]!;
          b += g[base + i]! * xhat[base + i]!;
        }
        sumG[c]! += a;
        sumGH[c]! += b;
      }
    if (gamma.requiresGrad) {
      const gg = gamma.gradBuffer();
      for (let c = 0; c < C; c++) gg[c]! += sumGH[c]!;
    }
    if (beta.requiresGrad) {
      const gb = beta.gradBuffer();
      for (let c = 0; c < C; c++) gb[c]! += sumG[c]!;
    }
    if (!x.requiresGrad) return;
    const gx = x.gradBuffer();
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        const k = gm[c]! * invStd[c]!;
        if (training) {
          // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
          const mg = sumG[c]! / M;
          const mgh = sumGH[c]! / M;
          for (let i = 0; i < inner; i++) gx[base + i]! += k * (g[base + i]! - mg - xhat[base + i]! * mgh);
        } else {
          for (let i = 0; i < inner; i++) gx[base + i]! += k * g[base + i]!;
        }
      }
  });
}
