/**
 * Server-side aggregation strategies behind one interface. Every strategy sees only the
 * example-weighted mean of the round's client deltas (what secure aggregation can hand it: the
 * sum, never one client's update), and turns it into the next global model.
 *
 *   FedAvg  (McMahan et al. 2017): w ← w + Δ̄.
 *   FedProx (Li et al. 2020): the server side is FedAvg; μ travels to clients in the round config,
 *           where local training adds μ/2‖w − wᵗ‖² (model.ts).
 *   FedAdam (Reddi et al. 2021, Algorithm 2): m ← β1·m + (1−β1)·Δ̄; v ← β2·v + (1−β2)·Δ̄²;
 *           w ← w + η·m / (√v + τ). No bias correction, as in the paper.
 */
import { LeptonError, invalidArgument } from '../core/errors.js';

export const STRATEGY_NAMES = ['fedavg', 'fedprox', 'fedadam'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** One round's aggregate: Σ n_k Δ_k / Σ n_k over the clients whose updates arrived. */
export interface RoundAggregate {
  meanDelta: Float32Array;
  totalExamples: number;
  clients: number;
}

/** What each selected client is told to do with its round besides training E epochs at batch B. */
export interface StrategyClientConfig {
  proxMu: number;
}

export interface Strategy {
  readonly name: StrategyName;
  clientConfig(): StrategyClientConfig;
  /** The next global model. Must not modify its inputs. */
  aggregate(global: Float32Array, agg: RoundAggregate): Float32Array;
  /** Optimizer state to checkpoint (empty for stateless strategies). */
  state(): Record<string, Float32Array>;
  loadState(state: Record<string, Float32Array>): void;
}

function checkLengths(global: Float32Array, agg: RoundAggregate): void {
  if (agg.meanDelta.length !== global.length) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `aggregate has ${agg.meanDelta.length} values, the global model ${global.length}`);
  }
}

/** Example-weighted mean of plain client deltas (the path without secure aggregation, and the reference in tests). */
export function weightedMean(updates: ReadonlyArray<{ delta: Float32Array; numExamples: number }>): RoundAggregate {
  if (updates.length === 0) throw invalidArgument('no updates to aggregate');
  const d = updates[0]!.delta.length;
  const acc = new Float64Array(d);
  let total = 0;
  for (const u of updates) {
    if (u.delta.length !== d) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `update has ${u.delta.length} values, expected ${d}`);
    if (!(u.numExamples > 0)) throw invalidArgument(`numExamples must be positive, got ${u.numExamples}`);
    for (let i = 0; i < d; i++) acc[i]! += u.numExamples * u.delta[i]!;
    total += u.numExamples;
  }
  const meanDelta = new Float32Array(d);
  for (let i = 0; i < d; i++) meanDelta[i] = acc[i]! / total;
  return { meanDelta, totalExamples: total, clients: updates.length };
}

export class FedAvg implements Strategy {
  readonly name: StrategyName = 'fedavg';
  clientConfig(): StrategyClientConfig {
    return { proxMu: 0 };
  }
  aggregate(global: Float32Array, agg: RoundAggregate): Float32Array {
    checkLengths(global, agg);
    const out = new Float32Array(global.length);
    for (let i = 0; i < out.length; i++) out[i] = global[i]! + agg.meanDelta[i]!;
    return out;
  }
  state(): Record<string, Float32Array> {
    return {};
  }
  loadState(): void {}
}

export class FedProx extends FedAvg {
  override readonly name: StrategyName = 'fedprox';
  constructor(readonly mu = 0.01) {
    super();
    if (!(mu >= 0) || !Number.isFinite(mu)) throw invalidArgument(`FedProx μ must be ≥ 0, got ${mu}`);
  }
  override clientConfig(): StrategyClientConfig {
    return { proxMu: this.mu };
  }
}

export interface FedAdamOptions {
  /** Server learning rate η (default 0.01, Reddi et al.'s grid centre for image tasks). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  /** Adaptivity τ (default 1e-3). */
  tau?: number;
}

export class FedAdam implements Strategy {
  readonly name: StrategyName = 'fedadam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;
  private m: Float32Array | null = null;
  private v: Float32Array | null = null;

  constructor(o: FedAdamOptions = {}) {
    this.lr = o.lr ?? 0.01;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.99;
    this.tau = o.tau ?? 1e-3;
    if (!(this.lr > 0) || !(this.beta1 >= 0 && this.beta1 < 1) || !(this.beta2 >= 0 && this.beta2 < 1) || !(this.tau > 0)) {
      throw invalidArgument('FedAdam needs lr > 0, β1 and β2 in [0, 1), τ > 0');
    }
  }
  clientConfig(): StrategyClientConfig {
    return { proxMu: 0 };
  }
  aggregate(global: Float32Array, agg: RoundAggregate): Float32Array {
    checkLengths(global, agg);
    const d = global.length;
    if (this.m?.length !== d) this.m = new Float32Array(d);
    if (this.v?.length !== d) this.v = new Float32Array(d);
    const { m, v, beta1: b1, beta2: b2 } = this;
    const out = new Float32Array(d);
    for (let i = 0; i < d; i++) {
      const g = agg.meanDelta[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      out[i] = global[i]! + (this.lr * m[i]!) / (Math.sqrt(v[i]!) + this.tau);
    }
    return out;
  }
  state(): Record<string, Float32Array> {
    return this.m && this.v ? { m: this.m.slice(), v: this.v.slice() } : {};
  }
  loadState(state: Record<string, Float32Array>): void {
    this.m = state['m']?.slice() ?? null;
    this.v = state['v']?.slice() ?? null;
  }
}

export interface StrategyOptions extends FedAdamOptions {
  /** FedProx μ. */
  mu?: number;
}

export function makeStrategy(name: string, o: StrategyOptions = {}): Strategy {
  if (name === 'fedavg') return new FedAvg();
  if (name === 'fedprox') return new FedProx(o.mu);
  if (name === 'fedadam') return new FedAdam(o);
  throw invalidArgument(`unknown strategy ${JSON.stringify(name)}; valid: ${STRATEGY_NAMES.join(', ')}`);
}
