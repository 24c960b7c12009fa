/**
 * What every attribution method needs from a model: logits for a batch, and the gradient of one
 * logit with respect to the input. One interface, two implementations: an nn Module (anything
 * trained here) and an ONNX graph run through the op table with autograd (any model the native
 * engine supports, including a PyTorch export), so saliency, IG and occlusion are written once.
 */
import { LeptonError, invalidArgument } from '../core/errors.js';
import { Tensor, noGrad, pick, sum } from '../tensor/index.js';
import { type Module } from '../nn/index.js';

export interface Differentiable {
  /** Per-sample input shape, without the batch dimension (e.g. [1, 28, 28] or [784]). */
  readonly inputShape: readonly number[];
  /**
   * How a sample is laid out as an image [C, H, W], when inputShape does not say (an MLP's [784]
   * is a 28×28 picture): occlusion windows, blur baselines and heat maps use it.
   */
  readonly imageShape?: readonly [number, number, number];
  /** Logits [N, C] for x [N, ...inputShape], recording the autograd tape when grad mode is on. */
  forward(x: Tensor): Tensor;
}

/** Wrap an nn model; it is put in eval mode (dropout off, batch norm on running statistics). */
export function moduleDifferentiable(model: Module, inputShape: readonly number[], imageShape?: readonly [number, number, number]): Differentiable {
  model.eval();
  return { inputShape: [...inputShape], ...(imageShape && { imageShape }), forward: (x) => model.forward(x) };
}

/** The sample as [C, H, W]: imageShape, else inputShape read as an image (flat: 1 × 1 × n). */
export function imageDimsOf(m: Differentiable): [number, number, number] {
  if (m.imageShape) {
    const [c, h, w] = m.imageShape;
    if (c * h * w !== sampleSize(m)) throw invalidArgument(`image shape [${m.imageShape}] does not hold the input's ${sampleSize(m)} values`);
    return [c, h, w];
  }
  const s = m.inputShape;
  if (s.length === 3) return [s[0]!, s[1]!, s[2]!];
  if (s.length === 2) return [1, s[0]!, s[1]!];
  return [1, 1, sampleSize(m)];
}

export function sampleSize(m: Differentiable): number {
  return m.inputShape.reduce((a, b) => a * b, 1);
}

/** Logits [n, C] of n samples stacked in `xs` (no tape). */
export function logits(m: Differentiable, xs: Float32Array, n: number): { data: Float32Array; classes: number } {
  const size = sampleSize(m);
  if (xs.length !== n * size) throw invalidArgument(`input has ${xs.length} values; ${n} sample(s) of shape [${m.inputShape}] need ${n * size}`);
  return noGrad(() => {
    const out = m.forward(new Tensor(xs, [n, ...m.inputShape]));
    if (out.ndim !== 2 || out.shape[0] !== n) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `explanations need logits [N, classes]; the model outputs [${out.shape}]`);
    return { data: out.data, classes: out.shape[1]! };
  });
}

/** Index of the largest logit of one sample. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** Check (or choose, as the top class of `x`) the target class. */
export function resolveTarget(m: Differentiable, x: Float32Array, target?: number): { target: number; scores: Float32Array } {
  const { data, classes } = logits(m, x, 1);
  if (target === undefined) return { target: argmax(data), scores: data };
  if (!Number.isInteger(target) || target < 0 || target >= classes) throw invalidArgument(`target must be a class index in [0, ${classes}), got ${target}`);
  return { target, scores: data };
}

/**
 * Gradients of logit[target] with respect to each of n stacked inputs (one backward pass for the
 * batch: the samples are independent, so d(Σ_i F_i)/dx_i = dF_i/dx_i). Also returns F_i.
 */
export function targetGradients(m: Differentiable, xs: Float32Array, n: number, target: number): { grads: Float32Array; values: Float32Array } {
  const x = new Tensor(Float32Array.from(xs), [n, ...m.inputShape], true);
  const out = m.forward(x);
  if (out.ndim !== 2 || out.shape[0] !== n) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `explanations need logits [N, classes]; the model outputs [${out.shape}]`);
  const picked = pick(out, new Int32Array(n).fill(target)); // [n]
  sum(picked).backward();
  if (!x.grad) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'no gradient reached the input: the model does not depend on it differentiably');
  return { grads: x.grad, values: Float32Array.from(picked.data) };
}
