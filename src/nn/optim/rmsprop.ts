/**
 * RMSprop, exactly torch.optim.RMSprop: s ← α·s + (1−α)·g²; centered subtracts the squared mean
 * gradient; denominator √s + ε (ε outside the root); optional momentum buffer b ← μ·b + g/denom.
 */
import { invalidArgument } from '../../core/errors.js';
import { Optimizer, type OptimizerOptions, type ParamsOrGroups } from './optimizer.js';

export interface RmspropOptions extends Partial<OptimizerOptions> {
  /** Default 1e-2. */
  lr?: number;
  /** Smoothing constant, default 0.99. */
  alpha?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Default 0. */
  momentum?: number;
  /** Normalise by the estimated variance instead of the raw second moment. Default false. */
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(params: ParamsOrGroups, o: RmspropOptions = {}) {
    super(params, { ...o, lr: o.lr ?? 1e-2 });
    this.alpha = o.alpha ?? 0.99;
    this.eps = o.eps ?? 1e-8;
    this.momentum = o.momentum ?? 0;
    this.centered = o.centered ?? false;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw invalidArgument(`RMSprop alpha must be in [0, 1], got ${this.alpha}`);
    if (!(this.momentum >= 0)) throw invalidArgument(`RMSprop momentum must be ≥ 0, got ${this.momentum}`);
  }

  protected update(w: Float32Array, g: Float32Array, state: Map<string, Float32Array>): void {
    const s = this.buffer(state, 'square_avg', w.length);
    const ga = this.centered ? this.buffer(state, 'grad_avg', w.length) : null;
    const buf = this.momentum > 0 ? this.buffer(state, 'momentum_buffer', w.length) : null;
    const a = this.alpha;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      s[i] = a * s[i]! + (1 - a) * gi * gi;
      let avg: number;
      if (ga) {
        ga[i] = ga[i]! + (1 - a) * (gi - ga[i]!);
        avg = Math.sqrt(s[i]! - ga[i]! * ga[i]!) + this.eps;
      } else {
        avg = Math.sqrt(s[i]!) + this.eps;
      }
      if (buf) {
        buf[i] = this.momentum * buf[i]! + gi / avg;
        w[i]! -= this.lr * buf[i]!;
      } else {
        w[i]! -= (this.lr * gi) / avg;
      }
    }
  }
}
