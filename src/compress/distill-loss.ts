/**
 * The knowledge-distillation loss (Hinton et al. 2015; PyTorch's KD tutorial):
 *   L = α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(y, softmax(s)),
 * averaged over the batch. Fused with its closed-form gradient, like the tensor layer's cross-entropy.
 */
import { LeptonError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';

export interface DistillLossOptions {
  /** Softmax temperature T > 0. */
  temperature: number;
  /** Weight α ∈ [0, 1] of the soft (teacher) term; 0 is plain cross-entropy. */
  alpha: number;
}

/** Row-wise softmax of x/T into `out` (numerically stable). Returns log-sum-exp per row. */
function softmaxRows(x: Float32Array, rows: number, cols: number, T: number, out: Float64Array): Float64Array {
  const lse = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]! / T);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[r * cols + c]! / T - m);
      out[r * cols + c] = e;
      s += e;
    }
    for (let c = 0; c < cols; c++) out[r * cols + c]! /= s;
    lse[r] = m + Math.log(s);
  }
  return lse;
}

/** student logits [N, C], teacher logits [N, C] (or null for α = 0), labels [N] → scalar loss. */
export function distillationLoss(student: Tensor, teacher: Float32Array | null, labels: Int32Array, opts: DistillLossOptions): Tensor {
  const { temperature: T, alpha } = opts;
  if (!(T > 0) || !(alpha >= 0 && alpha <= 1)) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `distillation needs T > 0 and α in [0, 1], got T=${T} α=${alpha}`);
  }
  const [N, C] = student.shape as [number, number];
  if (student.ndim !== 2 || labels.length !== N || (teacher !== null && teacher.length !== N * C) || (teacher === null && alpha > 0)) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `distillation: student [${student.shape}], ${labels.length} labels, teacher ${teacher?.length ?? 'none'}`);
  }
  const s = student.data;
  const q = new Float64Array(N * C); // softmax(s), for CE
  const lseS = softmaxRows(s, N, C, 1, q);
  const ps = new Float64Array(N * C); // softmax(s/T)
  const pt = new Float64Array(N * C); // softmax(t/T)
  let kl = 0;
  if (alpha > 0 && teacher) {
    const lseST = softmaxRows(s, N, C, T, ps);
    const lseT = softmaxRows(teacher, N, C, T, pt);
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < C; c++) {
        const p = pt[r * C + c]!;
        if (p > 0) kl += p * (teacher[r * C + c]! / T - lseT[r]! - (s[r * C + c]! / T - lseST[r]!));
      }
    }
  }
  let ce = 0;
  for (let r = 0; r < N; r++) ce += lseS[r]! - s[r * C + labels[r]!]!;
  const loss = (alpha * T * T * kl + (1 - alpha) * ce) / N;
  return Tensor.fromOp(Float32Array.of(loss), [], [student], (g) => {
    const gs = student.gradBuffer();
    const k = g[0]! / N;
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < C; c++) {
        const i = r * C + c;
        // d/ds of T²·KL is T·(ps − pt); of CE is q − onehot.
        const soft = alpha > 0 ? alpha * T * (ps[i]! - pt[i]!) : 0;
        const hard = (1 - alpha) * (q[i]! - (labels[r] === c ? 1 : 0));
        gs[i]! += (soft + hard) * k;
      }
    }
  });
}
