/**
 * Loss functions with PyTorch's names and mean reduction. The heavy ones are fused tensor ops;
 * the L1/L2 penalties are for adding regularisation to a loss by hand (the optimizers also take
 * `weightDecay` (L2) and `l1` directly, which is cheaper).
 */
import { type Tensor, softmaxCrossEntropy, bceWithLogits, binaryCrossEntropy, mseLoss, abs, square, sum, add, scale } from '../tensor/index.js';

/** Cross-entropy of logits [N, C] against class indices, optional label smoothing in [0, 1]. */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: { labelSmoothing?: number } = {}): Tensor {
  return softmaxCrossEntropy(logits, targets, opts.labelSmoothing ?? 0);
}

export function mse(x: Tensor, target: Float32Array): Tensor {
  return mseLoss(x, target);
}

/** BCE of probabilities (after a sigmoid). Prefer `binaryCrossEntropyWithLogits`. */
export function binaryCrossEntropyLoss(p: Tensor, target: Float32Array): Tensor {
  return binaryCrossEntropy(p, target);
}

/** Stable BCE straight from logits. */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Float32Array): Tensor {
  return bceWithLogits(logits, target);
}

/** λ·Σ|w| over the given tensors. */
export function l1Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return scale(params.map((p) => sum(abs(p))).reduce((a, b) => add(a, b)), lambda);
}

/** λ/2·Σw² (its gradient is λ·w, the same as weight decay λ). */
export function l2Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return scale(params.map((p) => sum(square(p))).reduce((a, b) => add(a, b)), lambda / 2);
}
