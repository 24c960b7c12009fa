/**
 * Mixed-precision training (--precision bf16|fp16), the AMP recipe: the optimizer updates fp32
 * master weights; the model computes with 16-bit working weights rounded from them after every
 * step, and stores its activations in 16 bits (half-model.ts); fp16 runs with dynamic loss
 * scaling (grad-scaler.ts). bf16 has fp32's exponent range, so it needs no scaling (as in PyTorch,
 * where GradScaler is for fp16).
 */
import { invalidArgument } from '../core/errors.js';
import { type FitHooks, type Module, type ParamsOrGroups } from '../nn/index.js';
import { Tensor } from '../tensor/index.js';
import { GradScaler, type GradScalerOptions } from './grad-scaler.js';
import { type HalfFormat, roundHalf } from './half.js';
import { HalfActivationModel } from './half-model.js';

export const PRECISIONS = ['fp32', 'bf16', 'fp16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export function isPrecision(v: unknown): v is Precision {
  return typeof v === 'string' && (PRECISIONS as readonly string[]).includes(v);
}

export interface MixedPrecisionOptions {
  /** Dynamic loss scaling: default on for fp16, off for bf16. */
  lossScaling?: boolean;
  scaler?: GradScalerOptions;
}

export class MixedPrecision {
  /** The model to train: 16-bit activations over the same parameters. */
  readonly model: HalfActivationModel;
  readonly scaler: GradScaler | null;
  private readonly masterOf = new Map<Tensor, Tensor>();
  private readonly pairs: Array<[working: Tensor, master: Tensor]> = [];

  constructor(
    readonly inner: Module,
    readonly format: HalfFormat,
    o: MixedPrecisionOptions = {},
  ) {
    for (const p of inner.parameters()) {
      const master = new Tensor(p.data.slice(), p.shape, p.requiresGrad);
      if (p.requiresGrad) {
        // One gradient array: backward fills the working parameter's, the optimizer reads the master's.
        master.grad = p.gradBuffer();
        this.pairs.push([p, master]);
      }
      this.masterOf.set(p, master);
      roundHalf(p.data, format);
    }
    this.scaler = (o.lossScaling ?? format === 'fp16') ? new GradScaler(o.scaler) : null;
    const state = (): Map<string, Tensor> =>
      new Map([...inner.namedParameters().map(([n, p]): [string, Tensor] => [n, this.masterOf.get(p)!]), ...inner.namedBuffers()]);
    this.model = new HalfActivationModel(inner, format, state);
  }

  /** The optimizer's parameters: each model parameter (or group) replaced by its fp32 master. */
  masterParams(params: ParamsOrGroups): ParamsOrGroups {
    const swap = (ts: readonly Tensor[]): Tensor[] =>
      ts.map((t) => {
        const m = this.masterOf.get(t);
        if (!m) throw invalidArgument('an optimizer parameter is not a parameter of the model');
        return m;
      });
    if (params.length > 0 && 'params' in (params[0] as object)) {
      return (params as ReadonlyArray<{ params: readonly Tensor[] }>).map((g) => ({ ...g, params: swap(g.params) }));
    }
    return swap(params as readonly Tensor[]);
  }

  /**
   * Training hooks: backward seeded with the loss scale; after it `reduce` (the data-parallel
   * all-reduce, if any), then unscale and skip the step on inf/NaN; after a step, fresh 16-bit
   * working weights.
   */
  hooks(reduce?: () => Promise<void>): FitHooks {
    const s = this.scaler;
    const grads = this.pairs.map(([p]) => p.grad!);
    return {
      lossScale: () => s?.scale ?? 1,
      afterBackward: async () => {
        if (reduce) await reduce();
        if (!s) return true;
        const finite = s.unscale(grads);
        s.update(!finite);
        return finite;
      },
      afterStep: () => this.refreshWorking(),
    };
  }

  /** Round the master weights into the working weights. */
  refreshWorking(): void {
    for (const [p, m] of this.pairs) roundHalf(m.data, this.format, p.data);
  }

  /** At the end: give the model its fp32 master weights (what is saved and exported). */
  finish(): void {
    for (const [p, m] of this.masterOf) p.data.set(m.data);
  }
}
