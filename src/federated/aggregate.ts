/**
 * Turning one round's received updates into the mean delta a Strategy consumes, with or without
 * secure aggregation, plus the optional central differential privacy of DP-FedAvg (McMahan et al.
 * 2018): clip each update to L2 norm C, weight clients uniformly (so one client moves the mean by at
 * most C/m), and add N(0, (σ·C/m)²) to the mean. σ is the noise multiplier reported per round.
 */
import { type Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { addInto, decodeFixed, unmaskSum, type AdvertisedKeys, type RevealedShare } from './secagg.js';
import { weightedMean, type RoundAggregate } from './strategy.js';

export interface DpOptions {
  /** L2 clip norm C. */
  clip: number;
  /** Noise multiplier σ: noise std on the sum is σ·C. */
  noise: number;
}

export function checkDp(dp: DpOptions | undefined): void {
  if (dp && (!(dp.clip > 0) || !(dp.noise >= 0) || !Number.isFinite(dp.clip) || !Number.isFinite(dp.noise))) {
    throw invalidArgument(`--dp-clip must be > 0 and --dp-noise ≥ 0, got ${dp.clip} and ${dp.noise}`);
  }
}

/** Scale `v` in place so its L2 norm is at most `clip`; returns the norm before clipping. */
export function clipL2(v: Float32Array, clip: number): number {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  if (norm > clip) for (let i = 0; i < v.length; i++) v[i]! *= clip / norm;
  return norm;
}

/** Add N(0, std²) to every coordinate. */
export function addGaussian(v: Float32Array, std: number, rng: Rng): void {
  if (std > 0) for (let i = 0; i < v.length; i++) v[i]! += rng.normal(0, std);
}

/** Plain path: the server sees each delta (already checked finite and the right length). */
export function aggregatePlain(updates: ReadonlyArray<{ delta: Float32Array; numExamples: number }>, dp?: DpOptions): RoundAggregate {
  if (!dp) return weightedMean(updates);
  const clipped = updates.map((u) => {
    const d = u.delta.slice();
    clipL2(d, dp.clip);
    return { delta: d, numExamples: 1 };
  });
  const agg = weightedMean(clipped);
  return { ...agg, totalExamples: updates.reduce((s, u) => s + u.numExamples, 0) };
}

/**
 * The weight client k applies to its delta before encoding, so that the unmasked sum is already a
 * weighted sum: n_k / N over U2 (or 1 / |U2| under DP, whose sensitivity needs equal weights).
 */
export function clientWeight(numExamples: number, u2Examples: number, u2Size: number, dp: boolean): number {
  return dp ? 1 / u2Size : numExamples / u2Examples;
}

export interface SecureRoundInput {
  roundId: string;
  u2: ReadonlyArray<AdvertisedKeys & { numExamples: number }>;
  survivors: readonly string[];
  masked: readonly Uint32Array[];
  revealed: ReadonlyArray<readonly RevealedShare[]>;
  threshold: number;
  dp: boolean;
}

/** Secure path: unmask Σ y_u and rescale from U2's weights to the survivors'. */
export function aggregateSecure(i: SecureRoundInput): RoundAggregate {
  const sum = new Uint32Array(i.masked[0]!.length);
  for (const y of i.masked) addInto(sum, y);
  const plain = decodeFixed(unmaskSum(sum, i.roundId, i.u2, i.survivors, i.revealed, i.threshold));
  const ex = new Map(i.u2.map((k) => [k.id, k.numExamples]));
  const nU2 = i.u2.reduce((s, k) => s + k.numExamples, 0);
  const nU3 = i.survivors.reduce((s, id) => s + ex.get(id)!, 0);
  // Σ_{U3} w_k Δ_k with w_k = n_k/N(U2) → divide by Σ_{U3} w_k
  const wU3 = i.dp ? i.survivors.length / i.u2.length : nU3 / nU2;
  for (let k = 0; k < plain.length; k++) plain[k]! /= wU3;
  return { meanDelta: plain, totalExamples: nU3, clients: i.survivors.length };
}

/** DP noise on the mean of m clipped updates: std σ·C/m. Returns the std used. */
export function addDpNoise(agg: RoundAggregate, dp: DpOptions, rng: Rng): number {
  const std = (dp.noise * dp.clip) / agg.clients;
  addGaussian(agg.meanDelta, std, rng);
  return std;
}
