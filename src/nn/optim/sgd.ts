/**
 * SGD with momentum, dampening, Nesterov and weight decay, exactly torch.optim.SGD's update:
 * b ← g on the first step, else μ·b + (1−τ)·g;  g ← g + μ·b (Nesterov) or b;  w ← w − lr·g.
 */
import { invalidArgument } from '../../core/errors.js';
import { Optimizer, type OptimizerOptions, type ParamsOrGroups } from './optimizer.js';

export interface SgdOptions extends OptimizerOptions {
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(params: ParamsOrGroups, o: SgdOptions) {
    super(params, o);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (!(this.momentum >= 0)) throw invalidArgument(`SGD momentum must be ≥ 0, got ${this.momentum}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw invalidArgument('Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(w: Float32Array, g: Float32Array, state: Map<string, Float32Array>): void {
    const lr = this.lr;
    const mu = this.momentum;
    if (mu === 0) {
      for (let i = 0; i < w.length; i++) w[i]! -= lr * g[i]!;
      return;
    }
    const first = !state.has('momentum_buffer');
    const b = this.buffer(state, 'momentum_buffer', w.length);
    const keep = 1 - this.dampening;
    for (let i = 0; i < w.length; i++) {
      const bi = first ? g[i]! : mu * b[i]! + keep * g[i]!;
      b[i] = bi;
      w[i]! -= lr * (this.nesterov ? g[i]! + mu * b[i]! : b[i]!);
    }
  }
}
