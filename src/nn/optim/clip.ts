/**
 * Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): recurrent nets can blow up
 * their gradients through time, and scaling all of them by one factor keeps the update's direction.
 */
import { invalidArgument } from '../../core/errors.js';
import { type Tensor } from '../../tensor/index.js';

/**
 * Scale every gradient in place so their joint L2 norm is at most `maxNorm`; returns the norm
 * before clipping (as PyTorch does). Parameters without a gradient are skipped.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw invalidArgument(`clipGradNorm maxNorm must be > 0, got ${maxNorm}`);
  let sq = 0;
  for (const p of params) {
    const g = p.grad;
    if (g) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      const g = p.grad;
      if (g) for (let i = 0; i < g.length; i++) g[i]! *= coef;
    }
  }
  return norm;
}
