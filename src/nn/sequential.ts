/**
 * Sequential composition (children named "0", "1", … as in PyTorch, so parameter names match a
 * torch state dict) and `buildModule`, which turns a JSON LayerSpec back into layers.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { type Tensor } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { Linear, Conv2d } from './layers.js';
import { ReLU, Sigmoid, Tanh, Softmax, Dropout, Flatten, MaxPool2d, AvgPool2d } from './activations.js';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
import { type InitScheme } from './init.js';
import { type LayerSpec, LAYER_TYPES } from './spec.js';

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

export interface BuildOptions {
  /** Random source for initial weights and dropout masks (default Rng(0)). */
  rng?: Rng;
  /** Weight init scheme for Linear/Conv2d (default PyTorch's). */
  init?: InitScheme;
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`layer spec: ${what} must be a number, got ${JSON.stringify(v)}`);
  return v;
};

/** Build layers from a spec (as stored in a checkpoint). Malformed specs are INVALID_ARGUMENT. */
export function buildModule(spec: LayerSpec, opts: BuildOptions = {}): Module {
  const rng = opts.rng ?? new Rng(0);
  const init = { rng, ...(opts.init !== undefined && { init: opts.init }) };
  if (typeof spec !== 'object' || spec === null || !LAYER_TYPES.includes(spec.type)) {
    throw invalidArgument(`layer spec: unknown layer ${JSON.stringify((spec as { type?: unknown } | null)?.type)}`);
  }
  switch (spec.type) {
    case 'sequential':
      if (!Array.isArray(spec.layers)) throw invalidArgument('layer spec: sequential needs a layers array');
      return new Sequential(...spec.layers.map((l) => buildModule(l, { ...opts, rng })));
    case 'linear':
      return new Linear(num(spec.inFeatures, 'inFeatures'), num(spec.outFeatures, 'outFeatures'), { ...init, bias: spec.bias ?? true });
    case 'conv2d':
      return new Conv2d(num(spec.inChannels, 'inChannels'), num(spec.outChannels, 'outChannels'), num(spec.kernelSize, 'kernelSize'), {
        ...init,
        stride: spec.stride ?? 1,
        padding: spec.padding ?? 0,
        bias: spec.bias ?? true,
      });
    case 'maxpool2d':
      return new MaxPool2d(num(spec.kernelSize, 'kernelSize'), spec.stride, spec.padding ?? 0);
    case 'avgpool2d':
      return new AvgPool2d(num(spec.kernelSize, 'kernelSize'), spec.stride, spec.padding ?? 0);
    case 'batchnorm1d':
    case 'batchnorm2d': {
      const o = { ...(spec.eps !== undefined && { eps: spec.eps }), ...(spec.momentum !== undefined && { momentum: spec.momentum }) };
      return spec.type === 'batchnorm1d' ? new BatchNorm1d(num(spec.numFeatures, 'numFeatures'), o) : new BatchNorm2d(num(spec.numFeatures, 'numFeatures'), o);
    }
    case 'dropout':
      return new Dropout(num(spec.p, 'p'), rng);
    case 'softmax':
      return new Softmax(spec.dim ?? 1);
    case 'flatten':
      return new Flatten();
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
  }
}
