/**
 * Dynamic loss scaling with torch.cuda.amp.GradScaler's defaults and rules: the loss is scaled by
 * `scale` (2¹⁶) before backward so small fp16 activation gradients do not flush to zero; the
 * gradients are unscaled before the optimizer; a step whose gradients hold an inf or NaN is skipped
 * and the scale halves; after 2000 clean steps in a row it doubles.
 */
import { invalidArgument } from '../core/errors.js';

export interface GradScalerOptions {
  /** Default 2^16. */
  initScale?: number;
  /** Default 2. */
  growthFactor?: number;
  /** Default 0.5. */
  backoffFactor?: number;
  /** Clean steps before growing (default 2000). */
  growthInterval?: number;
}

export class GradScaler {
  scale: number;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  /** Clean steps since the last growth or backoff (PyTorch's growth tracker). */
  growthTracker = 0;
  /** Steps skipped so far because a gradient was not finite. */
  skipped = 0;

  constructor(o: GradScalerOptions = {}) {
    this.scale = o.initScale ?? 2 ** 16;
    this.growthFactor = o.growthFactor ?? 2;
    this.backoffFactor = o.backoffFactor ?? 0.5;
    this.growthInterval = o.growthInterval ?? 2000;
    if (!(this.scale > 0) || !Number.isFinite(this.scale)) throw invalidArgument(`initial loss scale must be a positive number, got ${this.scale}`);
    if (!(this.growthFactor > 1)) throw invalidArgument(`growth factor must be > 1, got ${this.growthFactor}`);
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1)) throw invalidArgument(`backoff factor must be in (0, 1), got ${this.backoffFactor}`);
    if (!Number.isInteger(this.growthInterval) || this.growthInterval < 1) throw invalidArgument(`growth interval must be a positive integer, got ${this.growthInterval}`);
  }

  /** Divide the gradients by the scale in place; false when any of them is inf or NaN. */
  unscale(grads: readonly Float32Array[]): boolean {
    const inv = Math.fround(1 / this.scale); // PyTorch multiplies by the fp32 reciprocal
    let finite = true;
    for (const g of grads) {
      for (let i = 0; i < g.length; i++) {
        const v = g[i]! * inv;
        g[i] = v;
        if (v - v !== 0) finite = false; // inf − inf and NaN − NaN are NaN
      }
    }
    return finite;
  }

  /** After a step: back off (and count a skip) when it found inf/NaN, else maybe grow. */
  update(foundInf: boolean): void {
    if (foundInf) {
      this.scale *= this.backoffFactor;
      this.growthTracker = 0;
      this.skipped++;
      return;
    }
    if (++this.growthTracker === this.growthInterval) {
      this.scale *= this.growthFactor;
      this.growthTracker = 0;
    }
  }
}
