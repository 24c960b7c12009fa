/**
 * Layers without parameters: activations, Softmax, Dropout, Flatten and pooling. Thin wrappers
 * over the tensor ops, so a Sequential can hold them and describe them as JSON.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { type Tensor, relu, sigmoid, tanh, softmax, dropout, flatten, maxPool2d, avgPool2d } from '../tensor/index.js';
import { Module } from './module.js';
import { type LayerSpec } from './spec.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
  spec(): LayerSpec {
    return { type: 'relu' };
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
  spec(): LayerSpec {
    return { type: 'sigmoid' };
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
  spec(): LayerSpec {
    return { type: 'tanh' };
  }
}

/** Softmax along `dim` (default 1, the class axis of [N, C]). */
export class Softmax extends Module {
  constructor(readonly dim = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  spec(): LayerSpec {
    return { type: 'softmax', dim: this.dim };
  }
}

/** Inverted dropout while training, identity in eval mode. */
export class Dropout extends Module {
  private readonly rng: Rng;
  constructor(
    readonly p = 0.5,
    rng?: Rng,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw invalidArgument(`Dropout p must be in [0, 1), got ${p}`);
    this.rng = rng ?? new Rng(0);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng);
  }
  spec(): LayerSpec {
    return { type: 'dropout', p: this.p };
  }
}

/** [N, ...] → [N, prod(...)]. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x);
  }
  spec(): LayerSpec {
    return { type: 'flatten' };
  }
}

/** Shared shape of the pooling layers: kernel, stride (default = kernel) and padding; subclasses pick the op. */
abstract class Pool2d extends Module {
  readonly stride: number;
  protected abstract readonly kind: 'maxpool2d' | 'avgpool2d';
  constructor(
    readonly kernelSize: number,
    stride?: number,
    readonly padding = 0,
  ) {
    super();
    this.stride = stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    const opts = { kernel: this.kernelSize, stride: this.stride, padding: this.padding };
    return this.kind === 'maxpool2d' ? maxPool2d(x, opts) : avgPool2d(x, opts);
  }
  spec(): LayerSpec {
    return { type: this.kind, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
  }
}

export class MaxPool2d extends Pool2d {
  protected readonly kind = 'maxpool2d';
}

/** Average pooling; padding counts as zeros in the mean (PyTorch's count_include_pad=True). */
export class AvgPool2d extends Pool2d {
  protected readonly kind = 'avgpool2d';
}
