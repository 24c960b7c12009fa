/**
 * Saliency (Simonyan et al. 2013): the gradient of the target logit with respect to the input,
 * kept signed (direction of influence) and absolute (Captum's default, abs=True).
 */
import { type Differentiable, resolveTarget, targetGradients } from './differentiable.js';

export interface SaliencyResult {
  method: 'saliency';
  target: number;
  /** Logits of the input. */
  scores: Float32Array;
  /** dF_target/dx, shaped like one input sample. */
  signed: Float32Array;
  /** |dF_target/dx|. */
  absolute: Float32Array;
}

/** Saliency of one sample `x` (flattened, inputShape order); target defaults to the top class. */
export function saliency(m: Differentiable, x: Float32Array, opts: { target?: number } = {}): SaliencyResult {
  const { target, scores } = resolveTarget(m, x, opts.target);
  const { grads } = targetGradients(m, x, 1, target);
  const signed = Float32Array.from(grads);
  return { method: 'saliency', target, scores, signed, absolute: signed.map(Math.abs) };
}
