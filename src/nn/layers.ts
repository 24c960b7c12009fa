/**
 * Layers with parameters: Linear (weight [out, in], as PyTorch) and Conv2d (weight
 * [out, in, k, k], NCHW). Both run on the fused tensor ops so a layer is one kernel call.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { Tensor, linear, conv2d } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { initWeight, type InitScheme } from './init.js';
import { type LayerSpec } from './spec.js';

export interface InitOptions {
  /** Random source for the initial weights (default: a fresh Rng(0)). */
  rng?: Rng;
  /** Weight init scheme (default 'default': PyTorch's). */
  init?: InitScheme;
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw invalidArgument(`${what} must be a positive integer, got ${v}`);
}

export class Linear extends Module {
  readonly weight: Tensor; // [out, in]
  readonly bias: Tensor | null; // [out]

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: InitOptions & { bias?: boolean } = {},
  ) {
    super();
    positiveInt(inFeatures, 'Linear inFeatures');
    positiveInt(outFeatures, 'Linear outFeatures');
    this.weight = Tensor.zeros([outFeatures, inFeatures], true);
    this.bias = (opts.bias ?? true) ? Tensor.zeros([outFeatures], true) : null;
    initWeight(opts.init ?? 'default', this.weight, this.bias, opts.rng ?? new Rng(0));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias); // [N, in] → [N, out]
  }

  spec(): LayerSpec {
    return { type: 'linear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }

  protected override ownParameters(): Named<Tensor> {
    return this.bias ? [['weight', this.weight], ['bias', this.bias]] : [['weight', this.weight]];
  }
}

export interface Conv2dLayerOptions extends InitOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  /** Channel groups (PyTorch's `groups`): depthwise when it equals inChannels. */
  groups?: number;
}

export class Conv2d extends Module {
  readonly weight: Tensor; // [out, in, k, k]
  readonly bias: Tensor | null; // [out]
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv2dLayerOptions = {},
  ) {
    super();
    positiveInt(inChannels, 'Conv2d inChannels');
    positiveInt(outChannels, 'Conv2d outChannels');
    positiveInt(kernelSize, 'Conv2d kernelSize');
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    positiveInt(this.stride, 'Conv2d stride');
    if (!Number.isInteger(this.padding) || this.padding < 0) throw invalidArgument(`Conv2d padding must be ≥ 0, got ${this.padding}`);
    this.groups = opts.groups ?? 1;
    positiveInt(this.groups, 'Conv2d groups');
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw invalidArgument(`Conv2d channels ${inChannels} → ${outChannels} do not divide into ${this.groups} groups`);
    }
    this.weight = Tensor.zeros([outChannels, inChannels / this.groups, kernelSize, kernelSize], true);
    this.bias = (opts.bias ?? true) ? Tensor.zeros([outChannels], true) : null;
    initWeight(opts.init ?? 'default', this.weight, this.bias, opts.rng ?? new Rng(0));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, groups: this.groups }); // [N,C,H,W] → [N,O,oh,ow]
  }

  spec(): LayerSpec {
    return {
      type: 'conv2d',
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      bias: this.bias !== null,
      ...(this.groups !== 1 && { groups: this.groups }),
    };
  }

  protected override ownParameters(): Named<Tensor> {
    return this.bias ? [['weight', this.weight], ['bias', this.bias]] : [['weight', this.weight]];
  }
}
