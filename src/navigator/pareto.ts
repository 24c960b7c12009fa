/**
 * The decision logic, free of I/O so it is tested on synthetic measurements: the Pareto front over
 * (accuracy ↑, p99 ↓, cost ↓), and the recommendation: the cheapest point meeting the accuracy
 * floor and p99 target, with throughput met directly or by running k copies, and why the rest lost.
 */
import { type PricedPoint, type Targets, configKey, errorRate } from './types.js';

/** a dominates b: no worse on all three axes and strictly better on one. */
export function dominates(a: PricedPoint, b: PricedPoint): boolean {
  const noWorse = a.accuracy >= b.accuracy && a.p99Ms <= b.p99Ms && a.costPerMillion <= b.costPerMillion;
  const better = a.accuracy > b.accuracy || a.p99Ms < b.p99Ms || a.costPerMillion < b.costPerMillion;
  return noWorse && better;
}

/** Non-dominated points (probe-only and error-ridden runs excluded). */
export function paretoFront(points: readonly PricedPoint[]): PricedPoint[] {
  const valid = points.filter(usable);
  return valid.filter((p) => !valid.some((q) => q !== p && dominates(q, p)));
}

function usable(p: PricedPoint): boolean {
  return !p.probeOnly && p.rps > 0 && Number.isFinite(p.costPerMillion) && errorRate(p) <= 0.01;
}

export interface Verdict {
  point: PricedPoint;
  meets: boolean;
  /** Copies of this configuration needed for the target req/s (1 if met on its own). */
  copies: number;
  reasons: string[];
}

/** Check one point against the targets. */
export function judge(p: PricedPoint, t: Targets): Verdict {
  const reasons: string[] = [];
  if (p.probeOnly) reasons.push('abandoned after the probe (hopeless against the best so far)');
  if (p.accuracy < t.minAccuracy) reasons.push(`accuracy ${(p.accuracy * 100).toFixed(2)}% < floor ${(t.minAccuracy * 100).toFixed(2)}%`);
  if (p.p99Ms > t.p99Ms) reasons.push(`p99 ${p.p99Ms.toFixed(2)} ms > target ${t.p99Ms} ms`);
  if (errorRate(p) > 0.01) reasons.push(`${(errorRate(p) * 100).toFixed(1)}% of requests failed`);
  // The load is capped at the target, so within 3% of it counts as sustaining it.
  const copies = p.rps >= 0.97 * t.rps ? 1 : p.rps > 0 ? Math.ceil(t.rps / p.rps) : Infinity;
  return { point: p, meets: reasons.length === 0 && Number.isFinite(copies), copies, reasons };
}

export interface Recommendation {
  pick: Verdict | null;
  /** Best point of every other variant, with why it lost to the pick. */
  others: Array<{ variant: string; config: string; reasons: string[] }>;
  text: string;
}

const money = (v: number): string => (v >= 1 ? `$${v.toFixed(2)}` : `$${v.toPrecision(3)}`);

/** The cheapest configuration meeting the targets, and why every other variant lost. */
export function recommend(points: readonly PricedPoint[], t: Targets): Recommendation {
  const verdicts = points.map((p) => judge(p, t));
  const ok = verdicts.filter((v) => v.meets).sort((a, b) => a.point.costPerMillion - b.point.costPerMillion || a.point.p99Ms - b.point.p99Ms);
  const pick = ok[0] ?? null;
  const variants = [...new Set(points.map((p) => p.variant))];
  const others: Recommendation['others'] = [];
  for (const v of variants) {
    const mine = verdicts.filter((x) => x.point.variant === v);
    const good = mine.filter((x) => x.meets).sort((a, b) => a.point.costPerMillion - b.point.costPerMillion);
    if (pick && v === pick.point.variant) continue;
    if (good.length > 0 && pick) {
      const best = good[0]!;
      const pct = ((best.point.costPerMillion / pick.point.costPerMillion - 1) * 100).toFixed(0);
      others.push({ variant: v, config: configKey(best.point.config), reasons: [`meets the targets but costs ${money(best.point.costPerMillion)}/M, ${pct}% more than the pick`] });
    } else {
      // Closest miss: fewest reasons, then cheapest.
      const real = mine.filter((x) => !x.point.probeOnly);
      const pool = real.length > 0 ? real : mine;
      const closest = [...pool].sort((a, b) => a.reasons.length - b.reasons.length || a.point.costPerMillion - b.point.costPerMillion)[0];
      if (closest) others.push({ variant: v, config: configKey(closest.point.config), reasons: closest.reasons.length > 0 ? closest.reasons : ['no measurement met the targets'] });
    }
  }
  let text: string;
  if (pick) {
    const p = pick.point;
    const c = p.config;
    text =
      `Serve ${p.variant} with ${c.replicas} replica(s) × ${c.threads} thread(s), max batch ${c.maxBatch}, max wait ${c.maxWaitMs} ms: ` +
      `accuracy ${(p.accuracy * 100).toFixed(2)}%, p99 ${p.p99Ms.toFixed(2)} ms, ${Math.round(p.rps)} req/s on ${p.coresUsed.toFixed(2)} cores, ` +
      `${money(p.costPerMillion)} per million requests.` +
      (pick.copies > 1 ? ` ${t.rps} req/s needs ${pick.copies} copies of this setting (cost per request unchanged).` : ` It sustains the ${t.rps} req/s target on its own.`);
  } else {
    text = `No measured configuration meets accuracy ≥ ${(t.minAccuracy * 100).toFixed(1)}% and p99 ≤ ${t.p99Ms} ms; see why each variant missed below.`;
  }
  return { pick, others, text };
}
