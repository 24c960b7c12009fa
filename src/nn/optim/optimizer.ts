/**
 * The optimizer base: holds parameters, per-parameter state buffers and the step count, and
 * applies the shared regularisation terms before each algorithm's update (as PyTorch does with
 * weight_decay). Updates run in place on the Float32Array data: no allocation per step.
 * Parameters may come in groups (PyTorch's param_groups), each with its own lr and weight decay:
 * fine-tuning gives a fresh head a larger lr than the layers below it.
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

/** One parameter group; unset hyperparameters come from the optimizer's options. */
export interface ParamGroup {
  params: readonly Tensor[];
  lr?: number;
  weightDecay?: number;
  l1?: number;
  /** For reports ("head", "body"). Default "group<i>". */
  name?: string;
}

/** A group with every hyperparameter resolved. `lr` moves with the schedule; `initialLr` does not. */
export interface ResolvedGroup {
  name: string;
  params: readonly Tensor[];
  lr: number;
  initialLr: number;
  weightDecay: number;
  l1: number;
}

export type ParamsOrGroups = readonly Tensor[] | readonly ParamGroup[];

function isGroups(p: ParamsOrGroups): p is readonly ParamGroup[] {
  return p.length > 0 && 'params' in (p[0] as object);
}

export abstract class Optimizer {
  /** Every parameter of every group, in order (state keys index this list). */
  readonly params: readonly Tensor[];
  readonly groups: readonly ResolvedGroup[];
  /** Steps taken so far (Adam's bias correction uses it). */
  stepCount = 0;
  /** Per-parameter named state buffers, created lazily. */
  protected readonly state: Array<Map<string, Float32Array>>;
  private scratch: Float32Array = new Float32Array(0);
  /** The group whose parameter is being updated; `lr` and `weightDecay` read it. */
  private active: ResolvedGroup;

  constructor(params: ParamsOrGroups, o: OptimizerOptions) {
    const groups: readonly ParamGroup[] = isGroups(params) ? params : [{ params: params as readonly Tensor[] }];
    const seen = new Set<Tensor>();
    this.groups = groups.map((g, i) => {
      for (const p of g.params) {
        if (seen.has(p)) throw invalidArgument(`a parameter appears in more than one optimizer group (group ${g.name ?? i})`);
        seen.add(p);
      }
      const lr = g.lr ?? o.lr;
      if (!(lr >= 0) || !Number.isFinite(lr)) throw invalidArgument(`learning rate must be a finite number ≥ 0, got ${lr}`);
      return {
        name: g.name ?? `group${i}`,
        params: g.params,
        lr,
        initialLr: lr,
        weightDecay: nonNeg(g.weightDecay ?? o.weightDecay ?? 0, 'weightDecay'),
        l1: nonNeg(g.l1 ?? o.l1 ?? 0, 'l1'),
      };
    });
    if (this.groups.length === 0) throw invalidArgument('an optimizer needs at least one parameter group');
    this.params = this.groups.flatMap((g) => g.params);
    this.active = this.groups[0]!;
    this.state = this.params.map(() => new Map());
  }

  /**
   * The learning rate: the first group's outside step(), the updated parameter's group inside it.
   * Setting it (what schedules do) scales every group by the same factor, as PyTorch's schedulers
   * do to each group's base lr, so a head's larger lr keeps its ratio to the body's.
   */
  get lr(): number {
    return this.active.lr;
  }

  set lr(v: number) {
    if (!(v >= 0) || !Number.isFinite(v)) throw invalidArgument(`learning rate must be a finite number ≥ 0, got ${v}`);
    const base = this.groups[0]!.initialLr;
    for (const g of this.groups) g.lr = g === this.groups[0] || !(base > 0) ? v : g.initialLr * (v / base);
  }

  protected get weightDecay(): number {
    return this.active.weightDecay;
  }

  protected get l1(): number {
    return this.active.l1;
  }

  /** Each group's name, current lr, weight decay and parameter count (for logs and checks). */
  groupSummary(): Array<{ name: string; lr: number; weightDecay: number; params: number; values: number }> {
    return this.groups.map((g) => ({ name: g.name, lr: g.lr, weightDecay: g.weightDecay, params: g.params.length, values: g.params.reduce((s, p) => s + p.size, 0) }));
  }

  /** Update every parameter that has a gradient (a frozen one has none, so it gets no state). */
  step(): void {
    this.stepCount++;
    let i = 0;
    try {
      for (const g of this.groups) {
        this.active = g;
        for (const p of g.params) {
          if (p.grad && p.requiresGrad) this.update(p.data, this.regularised(p), this.state[i]!, i);
          i++;
        }
      }
    } finally {
      this.active = this.groups[0]!;
    }
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
