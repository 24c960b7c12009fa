/**
 * Per-key token buckets (one per API token at the gateway) with bounded memory: buckets live in an
 * LRU map, and a bucket that has refilled completely carries no state, so it is dropped first. Each
 * bucket has its own rate, so one limiter holds every token's bucket sized from that token's limit.
 */
import { invalidArgument } from '../core/index.js';

/** A bucket's size and refill: `refillPerSecond` is the sustained requests/s, `capacity` the burst. */
export interface Rate {
  /** Burst size: tokens a full bucket holds. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface RateLimitOptions extends Rate {
  /** Most buckets kept (default 10 000). Evicting a bucket forgets its debt, a bounded leniency. */
  maxKeys?: number;
  /** Milliseconds clock (default Date.now); tests inject one. */
  clock?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** Seconds until the request would be allowed (0 when allowed); for the Retry-After header. */
  retryAfterSeconds: number;
}

/** Burst a `requests/s` limit allows: two seconds' worth, at least one request. */
export const BURST_SECONDS = 2;

/** The bucket for a limit of `rps` requests per second (burst BURST_SECONDS × rps). */
export function rateFor(rps: number): Rate {
  return { capacity: Math.max(1, BURST_SECONDS * rps), refillPerSecond: rps };
}

function checkRate(r: Rate): void {
  if (!(r.capacity >= 1) || !Number.isFinite(r.capacity)) throw invalidArgument('rate limit capacity must be >= 1');
  if (!(r.refillPerSecond > 0) || !Number.isFinite(r.refillPerSecond)) throw invalidArgument('rate limit refill must be > 0 per second');
}

interface Bucket { tokens: number; at: number; rate: Rate }

export class TokenBucketLimiter {
  /** The rate of buckets whose `take` names none. */
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly maxKeys: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    checkRate(options);
    const maxKeys = options.maxKeys ?? 10_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw invalidArgument('rate limit maxKeys must be a positive integer');
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.maxKeys = maxKeys;
    this.clock = options.clock ?? Date.now;
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private level(b: Bucket, now: number): number {
    const elapsed = Math.max(0, now - b.at) / 1000;
    return Math.min(b.rate.capacity, b.tokens + elapsed * b.rate.refillPerSecond);
  }

  /**
   * Try to spend `cost` tokens from `key`'s bucket, sized by `rate` (default: this limiter's own).
   * A key whose rate changed keeps its level, capped at the new capacity.
   */
  take(key: string, cost = 1, rate?: Rate): RateLimitDecision {
    const r = rate ?? { capacity: this.capacity, refillPerSecond: this.refillPerSecond };
    if (rate) checkRate(rate);
    if (!(cost > 0) || cost > r.capacity) throw invalidArgument(`rate limit cost must be in (0, ${r.capacity}]`);
    const now = this.clock();
    const existing = this.buckets.get(key);
    const tokens = existing ? Math.min(r.capacity, this.level(existing, now)) : r.capacity;
    if (existing) this.buckets.delete(key); // re-insert below: Map order is the LRU order
    if (tokens >= cost) {
      this.buckets.set(key, { tokens: tokens - cost, at: now, rate: r });
      this.evict(now);
      return { allowed: true, remaining: Math.floor(tokens - cost), retryAfterSeconds: 0 };
    }
    this.buckets.set(key, { tokens, at: now, rate: r });
    this.evict(now);
    const wait = (cost - tokens) / r.refillPerSecond;
    return { allowed: false, remaining: Math.floor(tokens), retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }

  /** Drop buckets that are full again (they equal a fresh bucket). Call periodically if many keys come and go. */
  sweep(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [k, b] of this.buckets) {
      if (this.level(b, now) >= b.rate.capacity) {
        this.buckets.delete(k);
        dropped++;
      }
    }
    return dropped;
  }

  /** Forget one key (e.g. after its token is revoked). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private evict(now: number): void {
    if (this.buckets.size <= this.maxKeys) return;
    // full buckets first (losing them loses nothing), then least recently used
    for (const [k, b] of this.buckets) {
      if (this.buckets.size <= this.maxKeys) return;
      if (this.level(b, now) >= b.rate.capacity) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(k);
    }
  }
}
