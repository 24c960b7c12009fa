/**
 * Sequential composition. Children are named "0", "1", … as in PyTorch, so parameter names match a
 * torch state dict. Building one from a spec goes through the layer registry (layer-registry.ts).
 */
import { type Tensor } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export class Sequential extends Module {
  readonly layers: readonly Module[];

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

  override children(): Named<Module> {
    return this.layers.map((l, i) => [String(i), l]);
  }
}
