/**
 * Weight initialisation, following torch.nn.init: Xavier/Glorot and He/Kaiming (uniform and
 * normal), zeros, and PyTorch's default for Linear/Conv2d. All draws come from a seeded Rng.
 */
import { invalidArgument } from '../core/errors.js';
import { type Rng } from '../core/rng.js';
import { type Tensor } from '../tensor/index.js';

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** torch.nn.init.calculate_gain. `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
  }
}

/** (fan_in, fan_out) of a weight [out, in, ...kernel], as PyTorch computes them. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) throw invalidArgument(`fan in/out needs a weight with ≥ 2 dims, got [${shape}]`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return [shape[1]! * receptive, shape[0]! * receptive];
}

function fillUniform(t: Tensor, rng: Rng, bound: number): void {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-bound, bound);
}

function fillNormal(t: Tensor, rng: Rng, std: number): void {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(0, std);
}

/** U(−a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(t: Tensor, rng: Rng, gain = 1): void {
  const [fi, fo] = fans(t.shape);
  fillUniform(t, rng, gain * Math.sqrt(6 / (fi + fo)));
}

/** N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal(t: Tensor, rng: Rng, gain = 1): void {
  const [fi, fo] = fans(t.shape);
  fillNormal(t, rng, gain * Math.sqrt(2 / (fi + fo)));
}

export interface KaimingOptions {
  /** leaky_relu slope used in the gain (PyTorch's `a`, default 0). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu' (with a = 0 this is relu's gain √2), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fi, fo] = fans(t.shape);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fi : fo;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3 / fan). */
export function kaimingUniform(t: Tensor, rng: Rng, o: KaimingOptions = {}): void {
  fillUniform(t, rng, Math.sqrt(3) * kaimingStd(t, o));
}

/** N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: Tensor, rng: Rng, o: KaimingOptions = {}): void {
  fillNormal(t, rng, kaimingStd(t, o));
}

export function zeros(t: Tensor): void {
  t.data.fill(0);
}

/**
 * PyTorch's default for nn.Linear and nn.Conv2d: kaiming_uniform(a=√5) on the weight, which is
 * U(±1/√fan_in), and U(±1/√fan_in) on the bias.
 */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null, rng: Rng): void {
  kaimingUniform(weight, rng, { a: Math.sqrt(5) });
  if (bias) {
    const [fi] = fans(weight.shape);
    fillUniform(bias, rng, fi > 0 ? 1 / Math.sqrt(fi) : 0);
  }
}

export type InitScheme = 'default' | 'xavier_uniform' | 'xavier_normal' | 'kaiming_uniform' | 'kaiming_normal' | 'zeros';
export const INIT_SCHEMES: readonly InitScheme[] = ['default', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'zeros'];

/**
 * Initialise one weight/bias pair with a named scheme. Non-default schemes zero the bias; Kaiming
 * uses relu's gain (the layers it is meant for).
 */
export function initWeight(scheme: InitScheme, weight: Tensor, bias: Tensor | null, rng: Rng): void {
  if (scheme === 'default') return defaultLayerInit(weight, bias, rng);
  switch (scheme) {
    case 'xavier_uniform':
      xavierUniform(weight, rng);
      break;
    case 'xavier_normal':
      xavierNormal(weight, rng);
      break;
    case 'kaiming_uniform':
      kaimingUniform(weight, rng, { nonlinearity: 'relu' });
      break;
    case 'kaiming_normal':
      kaimingNormal(weight, rng, { nonlinearity: 'relu' });
      break;
    case 'zeros':
      zeros(weight);
      break;
  }
  if (bias) zeros(bias);
}
