/**
 * The building blocks of light (MobileNet-style) networks: ReLU6, Hardswish, global average
 * pooling, a conv → batch norm → activation unit, and MobileNetV2's inverted residual block
 * (expand 1×1 → depthwise 3×3 → project 1×1, with the input added back when shapes match).
 * The blocks are single layer types with their own specs, so a Sequential (and a checkpoint)
 * can hold a residual connection; the ONNX exporter folds each batch norm into its conv.
 */
import { invalidArgument } from '../core/errors.js';
import { type Tensor, add, relu6, hardswish, globalAvgPool2d } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { Conv2d, type InitOptions } from './layers.js';
import { BatchNorm2d } from './batchnorm.js';
import { type LayerSpec } from './spec.js';

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
  spec(): LayerSpec {
    return { type: 'relu6' };
  }
}

export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
  spec(): LayerSpec {
    return { type: 'hardswish' };
  }
}

/** [N, C, H, W] → [N, C, 1, 1] (as PyTorch's AdaptiveAvgPool2d(1) and ONNX GlobalAveragePool). */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
  spec(): LayerSpec {
    return { type: 'global_avgpool2d' };
  }
}

/** What follows the batch norm of a ConvBnAct: MobileNetV2's ReLU6, or nothing (the linear bottleneck). */
export type BlockActivation = 'relu6' | 'none';

export interface ConvBnActOptions extends InitOptions {
  stride?: number;
  groups?: number;
  activation?: BlockActivation;
}

/** Conv (no bias, "same" padding for odd kernels) → BatchNorm2d → activation; torchvision's Conv2dNormActivation. */
export class ConvBnAct extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly activation: BlockActivation;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvBnActOptions = {}) {
    super();
    if (kernelSize % 2 !== 1) throw invalidArgument(`ConvBnAct kernelSize must be odd, got ${kernelSize}`);
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, {
      ...opts,
      stride: opts.stride ?? 1,
      padding: (kernelSize - 1) / 2,
      groups: opts.groups ?? 1,
      bias: false,
    });
    this.bn = new BatchNorm2d(outChannels);
    this.activation = opts.activation ?? 'relu6';
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.activation === 'relu6' ? this.bn.forwardRelu6(y) : this.bn.forward(y);
  }

  spec(): LayerSpec {
    const c = this.conv;
    return {
      type: 'conv_bn_act',
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      kernelSize: c.kernelSize,
      stride: c.stride,
      ...(c.groups !== 1 && { groups: c.groups }),
    };
  }

  override children(): Named<Module> {
    return [
      ['conv', this.conv],
      ['bn', this.bn],
    ];
  }
}

export interface InvertedResidualOptions extends InitOptions {
  stride?: number;
  /** Hidden width = inChannels × expandRatio (MobileNetV2 uses 6; 1 skips the expansion conv). */
  expandRatio?: number;
}

/** MobileNetV2's block: [expand 1×1] → depthwise 3×3 (stride) → linear project 1×1, plus x when stride 1 and in = out. */
export class InvertedResidual extends Module {
  readonly expand: ConvBnAct | null;
  readonly depthwise: ConvBnAct;
  readonly project: ConvBnAct;
  readonly stride: number;
  readonly expandRatio: number;
  readonly residual: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    opts: InvertedResidualOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.expandRatio = opts.expandRatio ?? 6;
    if (this.stride !== 1 && this.stride !== 2) throw invalidArgument(`InvertedResidual stride must be 1 or 2, got ${this.stride}`);
    if (!Number.isInteger(this.expandRatio) || this.expandRatio < 1) throw invalidArgument(`InvertedResidual expandRatio must be a positive integer, got ${this.expandRatio}`);
    const act: BlockActivation = 'relu6';
    const hidden = inChannels * this.expandRatio;
    const init = { ...(opts.rng && { rng: opts.rng }), ...(opts.init && { init: opts.init }) };
    this.expand = this.expandRatio === 1 ? null : new ConvBnAct(inChannels, hidden, 1, { ...init, activation: act });
    this.depthwise = new ConvBnAct(hidden, hidden, 3, { ...init, stride: this.stride, groups: hidden, activation: act });
    this.project = new ConvBnAct(hidden, outChannels, 1, { ...init, activation: 'none' });
    this.residual = this.stride === 1 && inChannels === outChannels;
  }

  forward(x: Tensor): Tensor {
    const h = this.expand ? this.expand.forward(x) : x;
    const y = this.project.forward(this.depthwise.forward(h));
    return this.residual ? add(y, x) : y;
  }

  spec(): LayerSpec {
    return {
      type: 'inverted_residual',
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      stride: this.stride,
      expandRatio: this.expandRatio,
    };
  }

  override children(): Named<Module> {
    const out: Named<Module> = [];
    if (this.expand) out.push(['expand', this.expand]);
    out.push(['depthwise', this.depthwise], ['project', this.project]);
    return out;
  }
}
