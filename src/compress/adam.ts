/**
 * Adam (Kingma & Ba) over a list of tensors, with optional 0/1 masks re-applied after every step so
 * pruned weights stay exactly zero while the survivors are fine-tuned. Kept here, small, because the
 * fine-tuning loop runs on graph-level parameters rather than on nn modules.
 */
import { type Tensor } from '../tensor/index.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  constructor(
    private readonly params: Tensor[],
    private readonly opts: AdamOptions = {},
    private readonly masks: Map<Tensor, Uint8Array> = new Map(),
  ) {
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /** Change the learning rate (schedules call this between steps). */
  setLr(lr: number): void {
    this.opts.lr = lr;
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  step(): void {
    const { lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = this.opts;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const m = this.m[k]!;
      const v = this.v[k]!;
      const d = p.data;
      for (let i = 0; i < d.length; i++) {
        const gi = g[i]! + weightDecay * d[i]!;
        m[i] = beta1 * m[i]! + (1 - beta1) * gi;
        v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
        d[i]! -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
      }
      const mask = this.masks.get(p);
      if (mask) for (let i = 0; i < d.length; i++) if (!mask[i]) d[i] = 0;
    });
  }
}
