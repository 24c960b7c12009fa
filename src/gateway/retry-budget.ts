/**
 * Retry budget (the Linkerd / Finagle idea): retries may add at most `ratio` extra load over a
 * sliding window, plus a small per-second floor so a quiet deployment can still retry once. This is
 * what keeps retries from amplifying an outage into a retry storm.
 */

export interface RetryBudgetOptions {
  /** Retries allowed per first attempt over the window. Default 0.2 (≤ 20% extra load). */
  ratio?: number;
  /** Retries always allowed per second of window regardless of traffic. Default 3. */
  minPerSecond?: number;
  /** Window length in seconds (1-second buckets). Default 10. */
  windowSeconds?: number;
}

export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerSecond: number;
  private readonly requests: Float64Array;
  private readonly retries: Float64Array;
  private bucket = -1;

  constructor(
    options: RetryBudgetOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ratio = options.ratio ?? 0.2;
    this.minPerSecond = options.minPerSecond ?? 3;
    const w = options.windowSeconds ?? 10;
    this.requests = new Float64Array(w);
    this.retries = new Float64Array(w);
  }

  /** Count a first attempt. */
  recordRequest(): void {
    this.requests[this.roll()]! += 1;
  }

  /** Ask to spend one retry; true (and counted) when the budget allows it. */
  tryRetry(): boolean {
    const i = this.roll();
    let req = 0;
    let ret = 0;
    for (let k = 0; k < this.requests.length; k++) {
      req += this.requests[k]!;
      ret += this.retries[k]!;
    }
    const allowed = this.ratio * req + this.minPerSecond * this.requests.length;
    if (ret + 1 > allowed) return false;
    this.retries[i]! += 1;
    return true;
  }

  /** Advance to the current 1-second bucket, clearing buckets that fell out of the window. */
  private roll(): number {
    const sec = Math.floor(this.now() / 1000);
    const n = this.requests.length;
    if (this.bucket < 0) this.bucket = sec;
    const gap = Math.min(n, sec - this.bucket);
    for (let k = 1; k <= gap; k++) {
      const j = (sec - k + 1) % n;
      this.requests[j] = 0;
      this.retries[j] = 0;
    }
    if (gap > 0) this.bucket = sec;
    return sec % n;
  }
}
