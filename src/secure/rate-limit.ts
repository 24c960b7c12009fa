/**
 * Per-key token buckets (one per API token at the gateway) with bounded memory: buckets live in an
 * LRU map, and a bucket that has refilled completely carries no state, so it is dropped first.
 */
import { invalidArgument } from '../core/index.js';

export interface RateLimitOptions {
  /** Burst size: tokens a full bucket holds. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
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

interface Bucket { tokens: number; at: number }

export class TokenBucketLimiter {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly maxKeys: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.capacity >= 1) || !Number.isFinite(options.capacity)) throw invalidArgument('rate limit capacity must be >= 1');
    if (!(options.refillPerSecond > 0) || !Number.isFinite(options.refillPerSecond)) throw invalidArgument('rate limit refill must be > 0 per second');
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
    return Math.min(this.capacity, b.tokens + elapsed * this.refillPerSecond);
  }

  /** Try to spend `cost` tokens from `key`'s bucket. */
  take(key: string, cost = 1): RateLimitDecision {
    if (!(cost > 0) || cost > this.capacity) throw invalidArgument(`rate limit cost must be in (0, ${this.capacity}]`);
    const now = this.clock();
    const existing = this.buckets.get(key);
    const tokens = existing ? this.level(existing, now) : this.capacity;
    if (existing) this.buckets.delete(key); // re-insert below: Map order is the LRU order
    if (tokens >= cost) {
      this.buckets.set(key, { tokens: tokens - cost, at: now });
      this.evict(now);
      return { allowed: true, remaining: Math.floor(tokens - cost), retryAfterSeconds: 0 };
    }
    this.buckets.set(key, { tokens, at: now });
    this.evict(now);
    const wait = (cost - tokens) / this.refillPerSecond;
    return { allowed: false, remaining: Math.floor(tokens), retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }

  /** Drop buckets that are full again (they equal a fresh bucket). Call periodically if many keys come and go. */
  sweep(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [k, b] of this.buckets) {
      if (this.level(b, now) >= this.capacity) {
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
      if (this.level(b, now) >= this.capacity) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(k);
    }
  }
}
