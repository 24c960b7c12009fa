/**
 * Fused loss ops: softmax cross-entropy and the binary cross-entropies. Fused because the loss
 * sits on every training step: one pass forward, and the gradient in closed form
 * ((softmax − target)/N, sigmoid − y) instead of a chain of generic ops and their buffers.
 */
import { Tensor } from '../tensor.js';
import { shapeMismatch } from '../shape.js';
import { LeptonError } from '../../core/errors.js';

/**
 * Mean cross-entropy of logits [N, C] against class indices [N], PyTorch's
 * `F.cross_entropy(logits, y, label_smoothing=ε)`: the target is (1−ε)·onehot + ε/C.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Int32Array, labelSmoothing = 0): Tensor {
  if (logits.ndim !== 2 || logits.shape[0] !== targets.length) {
    throw shapeMismatch(`cross-entropy: logits [${logits.shape}] with ${targets.length} targets`);
  }
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `label smoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  const [N, C] = logits.shape as [number, number];
  const d = logits.data;
  const prob = new Float32Array(N * C); // [N, C] softmax, kept for the backward pass
  const eps = labelSmoothing;
  let total = 0;
  for (let i = 0; i < N; i++) {
    const row = i * C;
    const t = targets[i]!;
    if (t < 0 || t >= C) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `class index ${t} out of range [0, ${C})`);
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (d[row + c]! > m) m = d[row + c]!;
    let s = 0;
    let sumLogits = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(d[row + c]! - m);
      prob[row + c] = e;
      s += e;
      sumLogits += d[row + c]!;
    }
    const lse = m + Math.log(s);
    const inv = 1 / s;
    for (let c = 0; c < C; c++) prob[row + c]! *= inv;
    // −log p_t = lse − x_t;  mean_c(−log p_c) = lse − mean(x)
    total += (1 - eps) * (lse - d[row + t]!) + (eps > 0 ? eps * (lse - sumLogits / C) : 0);
  }
  return Tensor.fromOp(Float32Array.of(total / N), [], [logits], (g) => {
    const gx = logits.gradBuffer();
    const scale = g[0]! / N;
    const off = eps / C;
    for (let i = 0; i < N; i++) {
      const row = i * C;
      for (let c = 0; c < C; c++) gx[row + c]! += (prob[row + c]! - off) * scale;
      gx[row + targets[i]!]! -= (1 - eps) * scale;
    }
  });
}

function checkSame(x: Tensor, y: Float32Array, what: string): void {
  if (x.size !== y.length) throw shapeMismatch(`${what}: input has ${x.size} values, target ${y.length}`);
}

/** Mean of max(x,0) − x·y + log(1 + e^−|x|): PyTorch's numerically stable `BCEWithLogitsLoss`. */
export function bceWithLogits(x: Tensor, y: Float32Array): Tensor {
  checkSame(x, y, 'bceWithLogits');
  const n = x.size;
  const d = x.data;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    total += Math.max(v, 0) - v * y[i]! + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return Tensor.fromOp(Float32Array.of(total / n), [], [x], (g) => {
    const gx = x.gradBuffer();
    const s = g[0]! / n;
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      const sig = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      gx[i]! += (sig - y[i]!) * s;
    }
  });
}

/**
 * Mean binary cross-entropy of probabilities p in [0, 1]. Like PyTorch's `BCELoss`, each log is
 * clamped at −100 so p = 0 or 1 gives a finite loss.
 */
export function binaryCrossEntropy(p: Tensor, y: Float32Array): Tensor {
  checkSame(p, y, 'binaryCrossEntropy');
  const n = p.size;
  const d = p.data;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (!(v >= 0 && v <= 1)) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `binaryCrossEntropy: input ${v} is not a probability`);
    total -= y[i]! * Math.max(Math.log(v), -100) + (1 - y[i]!) * Math.max(Math.log(1 - v), -100);
  }
  return Tensor.fromOp(Float32Array.of(total / n), [], [p], (g) => {
    const gx = p.gradBuffer();
    const s = g[0]! / n;
    // d/dp = (p − y) / (p(1 − p)); PyTorch clamps the denominator at 1e-12.
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      gx[i]! += ((v - y[i]!) / Math.max(v * (1 - v), 1e-12)) * s;
    }
  });
}

/** Mean squared error against a constant target of the same size. */
export function mseLoss(x: Tensor, y: Float32Array): Tensor {
  checkSame(x, y, 'mseLoss');
  const n = x.size;
  const d = x.data;
  let total = 0;
  for (let i = 0; i < n; i++) total += (d[i]! - y[i]!) ** 2;
  return Tensor.fromOp(Float32Array.of(total / n), [], [x], (g) => {
    const gx = x.gradBuffer();
    const s = (2 * g[0]!) / n;
    for (let i = 0; i < n; i++) gx[i]! += (d[i]! - y[i]!) * s;
  });
}
