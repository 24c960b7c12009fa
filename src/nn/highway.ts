/**
 * LSTNet's autoregressive highway (Lai et al. 2018, "Modeling Long- and Short-Term Temporal
 * Patterns with Deep Neural Networks", §3.5): the output is a linear map of the raw input window
 * plus a network's output, trained end to end. The linear part is an AR model over the window (one
 * row per output, i.e. per horizon step), so the whole contains the linear baseline and the body
 * (e.g. LSTM → last step → Linear) only has to learn a nonlinear correction; it also keeps the
 * output on the input's scale, which recurrent nets are poor at tracking.
 */
import { invalidArgument } from '../core/errors.js';
import { type Tensor, add, reshape } from '../tensor/index.js';
import { Linear, type InitOptions } from './layers.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export class ArHighway extends Module {
  /** The linear AR term: [N, window·features] → [N, outFeatures]. */
  readonly ar: Linear;

  constructor(
    readonly body: Module,
    readonly window: number,
    readonly features: number,
    readonly outFeatures: number,
    init: InitOptions = {},
  ) {
    super();
    for (const [v, what] of [[window, 'window'], [features, 'features'], [outFeatures, 'outFeatures']] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidArgument(`ArHighway ${what} must be a positive integer, got ${v}`);
    }
    this.ar = new Linear(window * features, outFeatures, init);
  }

  /** x [N, W, F] → body(x) + ar(x flattened) [N, outFeatures]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 || x.shape[1] !== this.window || x.shape[2] !== this.features) {
      throw invalidArgument(`ArHighway expects [N, ${this.window}, ${this.features}], got [${x.shape}]`);
    }
    const y = this.body.forward(x); // [N, K]
    const lin = this.ar.forward(reshape(x, [x.shape[0]!, this.window * this.features])); // [N, K]
    return add(y, lin);
  }

  spec(): LayerSpec {
    const b = this.body.spec();
    return { type: 'ar_highway', window: this.window, features: this.features, outFeatures: this.outFeatures, body: b.type === 'sequential' ? b.layers : [b] };
  }

  override children(): Named<Module> {
    return [['body', this.body], ['ar', this.ar]];
  }
}
