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
    // One pass for both moments, in float64: var = E[x²] − mean² loses nothing that matters at
    // float32 activations (a second pass over the batch cost more than the whole normalisation).
    const sq = new Float64Array(C);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        let s = 0;
        let s2 = 0;
        for (let i = base; i < base + inner; i++) {
          const v = d[i]!;
          s += v;
          s2 += v * v;
        }
        mean[c]! += s;
        sq[c]! += s2;
      }
    for (let c = 0; c < C; c++) {
      const mu = mean[c]! / M;
      const v = Math.max(0, sq[c]! / M - mu * mu); // biased: normalises this batch
      mean[c] = mu;
      invStd[c] = 1 / Math.sqrt(v + eps);
      o.runningMean[c] = (1 - mom) * o.runningMean[c]! + mom * mu;
      o.runningVar[c] = (1 - mom) * o.runningVar[c]! + mom * ((v * M) / (M - 1)); // unbiased, as PyTorch
    }
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = o.runningMean[c]!;
      invStd[c] = 1 / Math.sqrt(o.runningVar[c]! + eps);
    }
  }
  // x̂ = (x − mean)·invStd is recomputed by the backward from x (kept alive by the graph anyway)
  // instead of stored: one activation-sized buffer less per batch norm.
  const out = new Float32Array(x.size);
  const gm = gamma.data;
  const bt = beta.data;
  const relu6 = o.relu6 === true;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * inner;
      const m = mean[c]!;
      const sc = invStd[c]! * gm[c]!;
      const bc = bt[c]!;
      if (relu6) {
        // Branch-free clamp to [0, 6], exact for float32 inputs (see relu6 in ops/light.ts) but
        // not for doubles: y − 6 would round and leave ~1e-16 where 0 belongs (and a wrong mask).
        for (let i = base; i < base + inner; i++) {
          const y = Math.fround((d[i]! - m) * sc + bc);
          out[i] = (Math.abs(y) - Math.abs(y - 6) + 6) * 0.5;
        }
      } else {
        for (let i = base; i < base + inner; i++) out[i] = (d[i]! - m) * sc + bc;
      }
    }
  const training = o.training;
  return Tensor.fromOp(out, x.shape, [x, gamma, beta], (g) => {
    // With relu6, dy reaches the normalisation only where 0 < out < 6 (a 0/1 mask, not a branch).
    const sumG = new Float64Array(C); // Σ dy
    const sumGH = new Float64Array(C); // Σ dy·x̂
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        const m = mean[c]!;
        let a = 0;
        let b = 0;
        if (relu6) {
          for (let i = base; i < base + inner; i++) {
            const gv = g[i]! * (+(out[i]! > 0) & +(out[i]! < 6));
            a += gv;
            b += gv * (d[i]! - m);
          }
        } else {
          for (let i = base; i < base + inner; i++) {
            a += g[i]!;
            b += g[i]! * (d[i]! - m);
          }
        }
        sumG[c]! += a;
        sumGH[c]! += b * invStd[c]!;
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
        const is = invStd[c]!;
        const k = gm[c]! * is;
        const m = mean[c]!;
        // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)) in training; γ/σ · dy with running stats.
        const mg = training ? sumG[c]! / M : 0;
        const mgh = training ? (sumGH[c]! / M) * is : 0;
        if (relu6) {
          for (let i = base; i < base + inner; i++) {
            const gv = g[i]! * (+(out[i]! > 0) & +(out[i]! < 6));
            gx[i]! += k * (gv - mg - (d[i]! - m) * mgh);
          }
        } else {
          for (let i = base; i < base + inner; i++) gx[i]! += k * (g[i]! - mg - (d[i]! - m) * mgh);
        }
      }
  });
}
