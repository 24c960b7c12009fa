/**
 * The optimizer base: holds parameters, per-parameter state buffers and the step count, and
 * applies the shared regularisation terms before each algorithm's update (as PyTorch does with
 * weight_decay). Updates run in place on the Float32Array data: no allocation per step.
 */
import { invalidArgument } from '../../core/errors.js';
import { type Tensor } from '../../tensor/index.js';

export interface OptimizerOptions {
  lr: number;
  /** L2 penalty coefficient added to the gradient (PyTorch's weight_decay). Default 0. */
  weightDecay?: number;
  /** L1 penalty coefficient: adds l1·sign(w) to the gradient. Default 0 (not in PyTorch). */
  l1?: number;
}

export abstract class Optimizer {
  lr: number;
  readonly params: readonly Tensor[];
  /** Steps taken so far (Adam's bias correction uses it). */
  stepCount = 0;
  protected readonly weightDecay: number;
  protected readonly l1: number;
  /** Per-parameter named state buffers, created lazily. */
  protected readonly state: Array<Map<string, Float32Array>>;
  private scratch: Float32Array = new Float32Array(0);

  constructor(params: readonly Tensor[], o: OptimizerOptions) {
    if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw invalidArgument(`learning rate must be a finite number ≥ 0, got ${o.lr}`);
    this.params = params;
    this.lr = o.lr;
    this.weightDecay = nonNeg(o.weightDecay ?? 0, 'weightDecay');
    this.l1 = nonNeg(o.l1 ?? 0, 'l1');
    this.state = params.map(() => new Map());
  }

  /** Update every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      this.update(p.data, this.regularised(p), this.state[i]!, i);
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Apply the algorithm to one parameter with gradient `g` (may be a scratch copy: do not keep). */
  protected abstract update(w: Float32Array, g: Float32Array, state: Map<string, Float32Array>, index: number): void;

  /** Whether `weightDecay` is added to the gradient (AdamW applies it to the weights instead). */
  protected coupledWeightDecay(): boolean {
    return true;
  }

  protected buffer(state: Map<string, Float32Array>, name: string, size: number): Float32Array {
    let b = state.get(name);
    if (!b) state.set(name, (b = new Float32Array(size)));
    return b;
  }

  /** The gradient plus the L2 and L1 terms, in a reused scratch buffer (the .grad stays as is). */
  private regularised(p: Tensor): Float32Array {
    const g = p.grad!;
    const wd = this.coupledWeightDecay() ? this.weightDecay : 0;
    if (wd === 0 && this.l1 === 0) return g;
    if (this.scratch.length < g.length) this.scratch = new Float32Array(g.length);
    const out = this.scratch.subarray(0, g.length);
    const w = p.data;
    for (let i = 0; i < g.length; i++) out[i] = g[i]! + wd * w[i]! + this.l1 * Math.sign(w[i]!);
    return out;
  }

  /** All state buffers by "<param index>.<name>", plus the step count, for checkpoints. */
  stateTensors(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    this.state.forEach((m, i) => m.forEach((b, name) => out.set(`${i}.${name}`, b)));
    return out;
  }

  /** Restore what `stateTensors` returned (to resume training). */
  loadStateTensors(tensors: ReadonlyMap<string, Float32Array>, stepCount: number): void {
    this.stepCount = stepCount;
    for (const [key, b] of tensors) {
      const dot = key.indexOf('.');
      const i = Number(key.slice(0, dot));
      const p = this.params[i];
      if (!p || b.length !== p.size) throw invalidArgument(`optimizer state '${key}' does not fit the model`);
      this.state[i]!.set(key.slice(dot + 1), Float32Array.from(b));
    }
  }
}

function nonNeg(v: number, what: string): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw invalidArgument(`${what} must be a finite number ≥ 0, got ${v}`);
  return v;
}
