/**
 * Sequential composition. Children are named "0", "1", … as in PyTorch, so parameter names match a
 * torch state dict. Building one from a spec goes through the layer registry (layer-registry.ts).
 * replaceHead swaps the final classifier for a fresh one (transfer learning to new classes).
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type Tensor } from '../tensor/index.js';
import { Linear, type InitOptions } from './layers.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export class Sequential extends Module {
  /** Reassigned (never mutated in place) by replaceHead. */
  layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }

  spec(): LayerSpec {
    return { type: 'sequential', layers: this.layers.map((l) => l.spec()) };
  }

  /** Index of the final Linear layer (the classifier head), or -1 when there is none. */
  headIndex(): number {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      if (l instanceof Linear) return i;
      // Only parameter-free layers (softmax, dropout…) may follow the head.
      if (l.numParameters() > 0) return -1;
    }
    return -1;
  }

  /**
   * Replace the final Linear with a fresh one of `numClasses` outputs (same input width), its
   * weights drawn from `opts.rng` (default Rng(0)) so the run is reproducible. The new head is
   * trainable and in this model's mode even if the rest is frozen. Returns the new layer.
   */
  replaceHead(numClasses: number, opts: InitOptions = {}): Linear {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw invalidArgument(`a new head needs a positive integer class count, got ${numClasses}`);
    const i = this.headIndex();
    if (i < 0) throw invalidArgument('this model has no final Linear layer to replace');
    const old = this.layers[i] as Linear;
    const head = new Linear(old.inFeatures, numClasses, { bias: old.bias !== null, rng: opts.rng ?? new Rng(0), ...(opts.init && { init: opts.init }) });
    head.train(this.training);
    this.layers = this.layers.map((l, k) => (k === i ? head : l));
    return head;
  }

  override children(): Named<Module> {
    return this.layers.map((l, i) => [String(i), l]);
  }
}
