/**
 * Hill climbing over serving settings for one variant: start from a setting, try its neighbours
 * (one knob one step), move to the first that improves, stop at a local optimum or when the budget
 * ends. Each neighbour is probed briefly first and dropped when the probe shows it cannot win, so
 * hopeless settings cost a fraction of a full measurement. Pure logic: measuring is injected.
 */
import { type Measurement, type ServingConfig, type Targets, configKey, costPerMillion, errorRate } from './types.js';

export interface SearchSpace {
  threads: number[];
  replicas: number[];
  maxBatch: number[];
  maxWaitMs: number[];
  /** threads × replicas may not exceed this (oversubscribing cores only adds contention). */
  maxCores: number;
}

export function defaultSpace(cores: number): SearchSpace {
  const upTo = (vals: number[]) => vals.filter((v) => v <= Math.max(1, cores));
  return { threads: upTo([1, 2, 4, 8]), replicas: upTo([1, 2, 3, 4, 6, 8]), maxBatch: [1, 4, 16, 64], maxWaitMs: [0, 1, 2, 5], maxCores: Math.max(1, cores) };
}

/** Evaluates a setting: runs the probe, asks `keepGoing(probe)`, and runs the full window if true. */
export type Evaluate = (config: ServingConfig, keepGoing: (probe: Measurement) => boolean) => Promise<Measurement>;

export interface SearchOptions {
  space: SearchSpace;
  start: ServingConfig;
  targets: Targets;
  priceCoreHour: number;
  evaluate: Evaluate;
  /** True when the budget is spent or the run was cancelled. */
  stop: () => boolean;
  /** Called after each evaluation. */
  onMeasurement?: (m: Measurement) => void;
  /** Safety cap on evaluations. Default 40. */
  maxEvaluations?: number;
  /** Settings already measured (shared across restarts): never measured twice, and the start may be one. */
  visited?: Map<string, Measurement>;
}

/** Lexicographic score: first how far p99, throughput and errors miss the targets, then cost. Lower is better. */
export function score(m: Measurement, t: Targets, price: number): [number, number] {
  const shortfall = m.rps >= 0.97 * t.rps ? 0 : 1 - m.rps / t.rps;
  const violation = Math.max(0, m.p99Ms / t.p99Ms - 1) + shortfall + (errorRate(m) > 0.01 ? 1 : 0) + (m.rps > 0 ? 0 : 10);
  return [violation, costPerMillion(m.coresUsed, m.rps, price)];
}

export function better(a: [number, number], b: [number, number]): boolean {
  if (a[0] === 0 && b[0] === 0) return a[1] < b[1];
  if (a[0] !== b[0]) return a[0] < b[0];
  return a[1] < b[1];
}

/**
 * Whether a probe shows the setting cannot beat the incumbent: it misses p99 by 3× where the
 * incumbent meets it, or it meets p99 but already costs 1.5× the incumbent.
 */
export function hopeless(probe: Measurement, incumbent: Measurement, t: Targets, price: number): boolean {
  const [pv, pc] = score(probe, t, price);
  const [iv, ic] = score(incumbent, t, price);
  if (iv === 0 && probe.p99Ms > 3 * t.p99Ms) return true;
  if (iv === 0 && pv === 0 && pc > 1.5 * ic) return true;
  return iv > 0 && pv > 2 * iv + 1;
}

export function neighbours(c: ServingConfig, s: SearchSpace): ServingConfig[] {
  const out: ServingConfig[] = [];
  for (const key of ['maxBatch', 'replicas', 'threads', 'maxWaitMs'] as const) {
    const vals = s[key];
    const i = vals.indexOf(c[key]);
    for (const j of [i + 1, i - 1]) {
      if (i < 0 || j < 0 || j >= vals.length) continue;
      const n = { ...c, [key]: vals[j]! };
      if (n.threads * n.replicas > s.maxCores) continue;
      if (n.maxBatch === 1 && key === 'maxWaitMs') continue; // the wait is irrelevant without batching
      out.push(n);
    }
  }
  return out;
}

/** Run the hill climb; returns every measurement taken (probes included) and the best setting. */
export async function hillClimb(o: SearchOptions): Promise<{ measurements: Measurement[]; best: Measurement | null }> {
  const seen = o.visited ?? new Map<string, Measurement>();
  const measurements: Measurement[] = [];
  const max = o.maxEvaluations ?? 40;
  const record = (m: Measurement) => {
    seen.set(configKey(m.config), m);
    measurements.push(m);
    o.onMeasurement?.(m);
  };
  if (o.stop()) return { measurements, best: null };
  const known = seen.get(configKey(o.start));
  let best = known && !known.probeOnly ? known : await o.evaluate(o.start, () => true);
  if (best !== known) record(best);
  let improved = true;
  while (improved && !o.stop() && measurements.length < max) {
    improved = false;
    for (const n of neighbours(best.config, o.space)) {
      if (seen.has(configKey(n))) continue;
      if (o.stop() || measurements.length >= max) break;
      const incumbent = best;
      const m = await o.evaluate(n, (probe) => !hopeless(probe, incumbent, o.targets, o.priceCoreHour));
      record(m);
      if (!m.probeOnly && better(score(m, o.targets, o.priceCoreHour), score(best, o.targets, o.priceCoreHour))) {
        best = m;
        improved = true;
        break; // first improvement: move now, the budget is better spent around the new point
      }
    }
  }
  return { measurements, best };
}
