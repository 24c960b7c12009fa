/**
 * BatchNorm1d ([N, C]) and BatchNorm2d ([N, C, H, W]) as in PyTorch: affine weight/bias, running
 * mean/var buffers (momentum 0.1, eps 1e-5), batch statistics in train mode, running ones in eval.
 */
import { invalidArgument } from '../core/errors.js';
import { Tensor, batchNorm, shapeMismatch } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export interface BatchNormLayerOptions {
  eps?: number;
  momentum?: number;
}

abstract class BatchNormBase extends Module {
  readonly weight: Tensor; // [C], init 1
  readonly bias: Tensor; // [C], init 0
  readonly runningMean: Tensor; // [C], init 0
  readonly runningVar: Tensor; // [C], init 1
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormLayerOptions = {},
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw invalidArgument(`BatchNorm numFeatures must be a positive integer`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.weight = Tensor.ones([numFeatures], true);
    this.bias = Tensor.zeros([numFeatures], true);
    this.runningMean = Tensor.zeros([numFeatures]);
    this.runningVar = Tensor.ones([numFeatures]);
  }

  protected abstract readonly ndim: number;
  protected abstract readonly kind: 'batchnorm1d' | 'batchnorm2d';

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /** relu6(forward(x)) as one op (MobileNet's ConvBnAct): one output tensor instead of two. */
  forwardRelu6(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  private normalise(x: Tensor, relu6: boolean): Tensor {
    if (x.ndim !== this.ndim || x.shape[1] !== this.numFeatures) {
      throw shapeMismatch(`${this.kind}(${this.numFeatures}) got input [${x.shape}]`);
    }
    return batchNorm(x, this.weight, this.bias, {
      training: this.training && !this.frozen, // a frozen batch norm keeps its running statistics
      runningMean: this.runningMean.data,
      runningVar: this.runningVar.data,
      momentum: this.momentum,
      eps: this.eps,
      relu6,
    });
  }

  spec(): LayerSpec {
    return { type: this.kind, numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum };
  }

  protected override ownParameters(): Named<Tensor> {
    return [
      ['weight', this.weight],
      ['bias', this.bias],
    ];
  }

  protected override ownBuffers(): Named<Tensor> {
    return [
      ['running_mean', this.runningMean],
      ['running_var', this.runningVar],
    ];
  }
}

export class BatchNorm1d extends BatchNormBase {
  protected readonly ndim = 2;
  protected readonly kind = 'batchnorm1d';
}

export class BatchNorm2d extends BatchNormBase {
  protected readonly ndim = 4;
  protected readonly kind = 'batchnorm2d';
}
