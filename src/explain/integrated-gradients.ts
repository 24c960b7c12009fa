/**
 * Integrated gradients (Sundararajan et al. 2017): attr = (x − x′) ⊙ ∫₀¹ ∇F(x′ + α(x − x′)) dα,
 * the integral taken with a chosen quadrature rule over `steps` points (batched, one backward pass
 * per batch). Completeness says Σ attr = F(x) − F(x′); the gap is returned as the convergence
 * delta with every result, as Captum does, so a caller sees when more steps are needed.
 */
import { invalidArgument } from '../core/errors.js';
import { makeBaseline, type BaselineName, type BaselineOptions } from './baselines.js';
import { type Differentiable, imageDimsOf, logits, resolveTarget, sampleSize, targetGradients } from './differentiable.js';

export const IG_RULES = ['riemann-left', 'riemann-right', 'riemann-middle', 'trapezoid'] as const;
export type IntegrationRule = (typeof IG_RULES)[number];

export interface IgOptions extends BaselineOptions {
  /** Default: the top class of x. */
  target?: number;
  /** Default 'zeros'. */
  baseline?: BaselineName | Float32Array;
  /** Quadrature points (the trapezoid rule uses steps + 1). Default 64. */
  steps?: number;
  /** Default 'riemann-middle'. */
  rule?: IntegrationRule;
  /** Interpolated inputs per forward/backward pass. Default 32. */
  batchSize?: number;
}

export interface IgResult {
  method: 'ig';
  target: number;
  scores: Float32Array;
  attributions: Float32Array;
  baseline: Float32Array;
  /** F_target(x) and F_target(baseline). */
  fx: number;
  fBaseline: number;
  /** Σ attributions − (F(x) − F(baseline)). */
  delta: number;
  steps: number;
  rule: IntegrationRule;
}

/** Points α_k and weights w_k on [0, 1] for the rule. */
export function quadrature(rule: IntegrationRule, steps: number): { alphas: number[]; weights: number[] } {
  if (!Number.isInteger(steps) || steps < 1 || steps > 4096) throw invalidArgument(`steps must be an integer in [1, 4096], got ${steps}`);
  const m = steps;
  const range = (n: number, f: (k: number) => number) => Array.from({ length: n }, (_, k) => f(k));
  switch (rule) {
    case 'riemann-left':
      return { alphas: range(m, (k) => k / m), weights: range(m, () => 1 / m) };
    case 'riemann-right':
      return { alphas: range(m, (k) => (k + 1) / m), weights: range(m, () => 1 / m) };
    case 'riemann-middle':
      return { alphas: range(m, (k) => (k + 0.5) / m), weights: range(m, () => 1 / m) };
    case 'trapezoid':
      return { alphas: range(m + 1, (k) => k / m), weights: range(m + 1, (k) => (k === 0 || k === m ? 0.5 / m : 1 / m)) };
  }
  throw invalidArgument(`unknown integration rule ${JSON.stringify(rule)}; valid: ${IG_RULES.join(', ')}`);
}

export function integratedGradients(m: Differentiable, x: Float32Array, o: IgOptions = {}): IgResult {
  const size = sampleSize(m);
  if (x.length !== size) throw invalidArgument(`input has ${x.length} values; shape [${m.inputShape}] needs ${size}`);
  const { target, scores } = resolveTarget(m, x, o.target);
  const rule = o.rule ?? 'riemann-middle';
  const steps = o.steps ?? 64;
  const { alphas, weights } = quadrature(rule, steps);
  const base = makeBaseline(o.baseline ?? 'zeros', x, imageDimsOf(m), o);
  const batch = Math.max(1, Math.min(o.batchSize ?? 32, alphas.length));
  const avgGrad = new Float64Array(size);
  for (let start = 0; start < alphas.length; start += batch) {
    const n = Math.min(batch, alphas.length - start);
    const xs = new Float32Array(n * size);
    for (let s = 0; s < n; s++) {
      const a = alphas[start + s]!;
      for (let i = 0; i < size; i++) xs[s * size + i] = base[i]! + a * (x[i]! - base[i]!);
    }
    const { grads } = targetGradients(m, xs, n, target);
    for (let s = 0; s < n; s++) {
      const w = weights[start + s]!;
      for (let i = 0; i < size; i++) avgGrad[i]! += w * grads[s * size + i]!;
    }
  }
  const attributions = new Float32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const a = (x[i]! - base[i]!) * avgGrad[i]!;
    attributions[i] = a;
    total += a;
  }
  const fx = scores[target]!;
  const fb = logits(m, base, 1).data[target]!;
  return { method: 'ig', target, scores, attributions, baseline: base, fx, fBaseline: fb, delta: total - (fx - fb), steps, rule };
}
