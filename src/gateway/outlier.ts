/**
 * Passive outlier detection, as Envoy does it: a replica that fails `consecutiveFailures` times in
 * a row (5xx answers, connect errors, resets) is ejected for `baseEjectionMs × times ejected`
 * (capped), so a flapping replica stays out longer each time; a success resets the streak.
 */

export interface OutlierOptions {
  /** Failures in a row that eject a replica. Default 5. */
  consecutiveFailures?: number;
  /** First ejection length; the n-th ejection lasts n times this. Default 5000 ms. */
  baseEjectionMs?: number;
  /** Longest ejection. Default 60000 ms. */
  maxEjectionMs?: number;
  /** At most this fraction of members ejected at once (at least one may be). Default 0.5. */
  maxEjectionFraction?: number;
}

export interface OutlierState {
  streak: number;
  ejections: number;
  ejectedUntil: number;
  lastEjectedAt: number;
}

export const newOutlierState = (): OutlierState => ({ streak: 0, ejections: 0, ejectedUntil: 0, lastEjectedAt: 0 });

export class OutlierDetector {
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectionFraction: number;

  constructor(options: OutlierOptions = {}) {
    this.consecutiveFailures = options.consecutiveFailures ?? 5;
    this.baseEjectionMs = options.baseEjectionMs ?? 5000;
    this.maxEjectionMs = options.maxEjectionMs ?? 60000;
    this.maxEjectionFraction = options.maxEjectionFraction ?? 0.5;
  }

  onSuccess(s: OutlierState): void {
    s.streak = 0;
  }

  /**
   * Record a failure. Returns the ejection length in ms when this failure ejects the replica, else 0.
   * `ejectedNow`/`members` enforce the max-ejection fraction so a bad deploy never empties the pool.
   */
  onFailure(s: OutlierState, now: number, ejectedNow: number, members: number): number {
    s.streak++;
    if (s.streak < this.consecutiveFailures || now < s.ejectedUntil) return 0;
    const limit = Math.max(1, Math.floor(members * this.maxEjectionFraction));
    if (ejectedNow + 1 > limit) return 0;
    // A replica that behaved for a long while starts over at the base ejection time.
    if (now - s.lastEjectedAt > 2 * this.maxEjectionMs) s.ejections = 0;
    s.ejections++;
    const ms = Math.min(this.maxEjectionMs, this.baseEjectionMs * s.ejections);
    s.ejectedUntil = now + ms;
    s.lastEjectedAt = now;
    s.streak = 0;
    return ms;
  }
}
