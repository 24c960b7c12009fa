/**
 * The Tensor: a contiguous row-major Float32Array with a shape, plus reverse-mode autograd.
 * Hand-written (not a dependency) because training speed and a small readable core are the
 * product: every op records a closure that adds its input gradients, and `backward()` runs the
 * closures in reverse topological order. Ops always materialise contiguous results, so strides
 * are plain row-major strides, exposed for kernels and export.
 */
import { LeptonError } from '../core/errors.js';
import { type Rng } from '../core/rng.js';
import { type Shape, sizeOf, stridesOf } from './shape.js';

let gradEnabled = true;

/** Run `fn` without recording the graph (inference, optimizer steps, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

type BackwardFn = (gradOut: Float32Array) => void;

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  grad: Float32Array | null = null;
  /** Inputs of the op that produced this tensor (empty for leaves). */
  parents: readonly Tensor[] = [];
  /** Adds this tensor's gradient into its parents' gradients. */
  backwardFn: BackwardFn | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `data has ${data.length} elements but shape [${shape}] needs ${sizeOf(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape, requiresGrad);
  }

  static full(shape: Shape, value: number, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, requiresGrad);
  }

  static ones(shape: Shape, requiresGrad = false): Tensor {
    return Tensor.full(shape, 1, requiresGrad);
  }

  static scalar(v: number, requiresGrad = false): Tensor {
    return new Tensor(Float32Array.of(v), [], requiresGrad);
  }

  /** From a flat array (with a shape) or a nested array (shape inferred). */
  static from(values: ArrayLike<number> | number[][] | number[][][], shape?: Shape, requiresGrad = false): Tensor {
    if (shape) return new Tensor(Float32Array.from(values as ArrayLike<number>), shape, requiresGrad);
    const inferred: number[] = [];
    let v: unknown = values;
    while (Array.isArray(v)) {
      inferred.push(v.length);
      v = v[0];
    }
    const flat = (values as unknown[]).flat(Infinity) as number[];
    return new Tensor(Float32Array.from(flat), inferred, requiresGrad);
  }

  /** Gaussian N(mean, std²) samples from a seeded generator. */
  static randn(shape: Shape, rng: Rng, std = 1, mean = 0, requiresGrad = false): Tensor {
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.normal(mean, std);
    return new Tensor(d, shape, requiresGrad);
  }

  static uniform(shape: Shape, rng: Rng, lo: number, hi: number, requiresGrad = false): Tensor {
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.uniform(lo, hi);
    return new Tensor(d, shape, requiresGrad);
  }

  /**
   * Record an op result. The graph is kept only when grad is enabled and an input needs it,
   * so inference allocates no closures' worth of bookkeeping beyond the result itself.
   */
  static fromOp(data: Float32Array, shape: Shape, parents: readonly Tensor[], backward: BackwardFn): Tensor {
    const out = new Tensor(data, shape);
    if (gradEnabled && parents.some((p) => p.requiresGrad)) {
      out.requiresGrad = true;
      out.parents = parents;
      out.backwardFn = backward;
    }
    return out;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get strides(): number[] {
    return stridesOf(this.shape);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `item() needs one element, tensor has ${this.data.length}`);
    return this.data[0]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Same data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, this.requiresGrad);
  }

  /** The gradient buffer, allocated on first use. */
  gradBuffer(): Float32Array {
    return (this.grad ??= new Float32Array(this.data.length));
  }

  zeroGrad(): void {
    this.grad?.fill(0);
  }

  /** Reverse-mode pass from this tensor. A non-scalar root needs an explicit `gradOut`. */
  backward(gradOut?: Float32Array): void {
    if (!this.requiresGrad) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'backward() on a tensor that does not require grad');
    if (!gradOut && this.data.length !== 1) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'backward() on a non-scalar needs a gradient');
    const order: Tensor[] = [];
    const seen = new Set<Tensor>();
    // Iterative DFS: deep graphs (long training steps) must not overflow the call stack.
    const stack: Array<[Tensor, number]> = [[this, 0]];
    seen.add(this);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.parents.length) {
        top[1] = i + 1;
        const p = node.parents[i]!;
        if (p.requiresGrad && !seen.has(p)) {
          seen.add(p);
          stack.push([p, 0]);
        }
      } else {
        order.push(node);
        stack.pop();
      }
    }
    const g = this.gradBuffer();
    if (gradOut) for (let i = 0; i < g.length; i++) g[i]! += gradOut[i]!;
    else g[0]! += 1;
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      if (node.backwardFn && node.grad) node.backwardFn(node.grad);
      // Interior gradients are not needed after use; dropping them frees memory early.
      if (node.backwardFn) {
        node.grad = null;
        node.backwardFn = null;
        node.parents = [];
      }
    }
  }
}

/** Add `g` into `t`'s gradient (no-op when `t` does not require grad). */
export function accumulate(t: Tensor, g: Float32Array): void {
  if (!t.requiresGrad) return;
  const buf = t.gradBuffer();
  for (let i = 0; i < buf.length; i++) buf[i]! += g[i]!;
}
