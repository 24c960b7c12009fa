/**
 * Learning-rate schedules, stepped once per epoch like PyTorch's: StepLR and CosineAnnealingLR
 * (closed form, which equals PyTorch's recursive one when nothing else changes the lr).
 */
import { invalidArgument } from '../../core/errors.js';
import { type Optimizer } from './optimizer.js';

export abstract class LRScheduler {
  /** Epochs stepped so far (PyTorch's last_epoch). */
  epoch = 0;
  readonly baseLr: number;

  constructor(protected readonly optimizer: Optimizer) {
    this.baseLr = optimizer.lr;
  }

  /** Advance one epoch and set the optimizer's lr. */
  step(): void {
    this.epoch++;
    this.optimizer.lr = this.lrAt(this.epoch);
  }

  abstract lrAt(epoch: number): number;
}

/** lr = base · γ^⌊epoch / stepSize⌋ (γ default 0.1). */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw invalidArgument(`StepLR stepSize must be a positive integer, got ${stepSize}`);
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2. */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    readonly etaMin = 0,
  ) {
    super(optimizer);
    if (!(tMax > 0)) throw invalidArgument(`CosineAnnealingLR tMax must be > 0, got ${tMax}`);
  }

  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
