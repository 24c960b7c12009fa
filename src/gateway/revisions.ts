/**
 * The traffic split between a deployment's revisions (stable and canary). Requests without an
 * affinity key go by smooth weighted round-robin (nginx's): deterministic, and the share holds
 * over any short run, not just on average. A request with an affinity key goes by a hash of the
 * key into 100 buckets, so a key stays on one revision (and, when the canary's weight grows, the
 * keys already on it stay there). Within the chosen revision, the deployment's policy picks the
 * replica. `RevisionWindow` keeps each revision's recent outcomes for the automatic canary gate.
 */
import { hash32 } from './hash.js';

export interface RevisionWeight {
  revision: string;
  /** Whole percent; the weights of a split sum to 100. */
  weight: number;
}

export class RevisionSplit {
  private readonly current: number[];

  constructor(readonly weights: readonly RevisionWeight[]) {
    if (weights.length === 0) throw new RangeError('a split needs at least one revision');
    this.current = weights.map(() => 0);
  }

  /** The revision for one request: by `affinityKey` when given, else the next smooth weighted round-robin turn. */
  pick(affinityKey?: string): string {
    if (affinityKey !== undefined && affinityKey !== '') return this.byKey(affinityKey);
    const w = this.weights;
    let total = 0;
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      this.current[i]! += w[i]!.weight;
      total += w[i]!.weight;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= total;
    return w[best]!.revision;
  }

  /** Bucket = hash(key) mod total weight; revisions own consecutive bucket ranges in the order given. */
  private byKey(key: string): string {
    const total = this.weights.reduce((s, x) => s + x.weight, 0);
    // salted, so the bucket is independent of where the affinity ring puts the key inside a revision
    let bucket = hash32(`revision:${key}`) % Math.max(1, total);
    for (const x of this.weights) {
      if (bucket < x.weight) return x.revision;
      bucket -= x.weight;
    }
    return this.weights[this.weights.length - 1]!.revision;
  }
}

export interface WindowSummary {
  requests: number;
  errors: number;
  errorRate: number;
  /** 0 when there are no requests. */
  p99Ms: number;
}

/** Outcomes (time, server error?, latency) of the last `windowMs`, bounded in count. */
export class RevisionWindow {
  private readonly at: number[] = [];
  private readonly failed: boolean[] = [];
  private readonly ms: number[] = [];

  constructor(private readonly maxSamples = 20_000) {}

  record(now: number, serverError: boolean, latencyMs: number): void {
    this.at.push(now);
    this.failed.push(serverError);
    this.ms.push(latencyMs);
    if (this.at.length > this.maxSamples) this.drop(this.at.length - this.maxSamples);
  }

  summary(now: number, windowMs: number): WindowSummary {
    let first = 0;
    while (first < this.at.length && this.at[first]! < now - windowMs) first++;
    if (first > 0) this.drop(first);
    const n = this.at.length;
    if (n === 0) return { requests: 0, errors: 0, errorRate: 0, p99Ms: 0 };
    const errors = this.failed.filter(Boolean).length;
    const sorted = [...this.ms].sort((a, b) => a - b);
    return { requests: n, errors, errorRate: errors / n, p99Ms: sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]! };
  }

  private drop(k: number): void {
    this.at.splice(0, k);
    this.failed.splice(0, k);
    this.ms.splice(0, k);
  }
}
