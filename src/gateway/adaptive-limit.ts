/**
 * Adaptive concurrency for one deployment: how many requests the gateway lets reach its replicas
 * at once. A fixed cap is either too low (idle replicas) or too high (requests pile up inside the
 * replicas, every request gets slow, clients time out, throughput collapses); the right number
 * moves with the model, the batch size, the replica count and the machine. This is the gradient
 * rule of Envoy's adaptive-concurrency filter (after Netflix's concurrency-limits):
 *
 *   gradient = clamp(minRTT · (1 + buffer) / sampleRTT, 0.5, 2)
 *   limit    = limit · gradient + √limit            (the √limit is queue headroom)
 *
 * sampleRTT is a percentile of the round trips seen in one window (≥ `sampleWindowMs` and
 * ≥ `minSamples`). minRTT is the unloaded latency. Under steady load the round trips alone never
 * show it, so every `minRttIntervalMs` concurrency is pinned to `minRttConcurrency` for
 * `minRttSamples` requests and their percentile is taken (Envoy's method). The first estimate is
 * the fastest of the first `minRttSamples` round trips, taken unpinned: a new deployment is not
 * held to a trickle while it is measured, and its first requests meet idle replicas anyway. As
 * that may be taken under load, a window whose sampleRTT is lower lowers minRTT until the first
 * pinned measurement, `firstProbeMs` later. The limit grows only when demand reaches half of it
 * (Gradient2's app-limited rule), so an idle deployment's limit does not drift to the maximum.
 * Admitted latency then stays near minRTT·(1+buffer); the excess waits in the gateway's short queue.
 */

export interface AdaptiveLimitOptions {
  /** Limit once minRTT is first known. Default 32. */
  initialLimit: number;
  /** Never below this (small limits starve batching replicas). Default 8. */
  minLimit: number;
  /** Never above this. Default 1024. */
  maxLimit: number;
  /** Shortest window the limit is recomputed over, ms. Default 100. */
  sampleWindowMs: number;
  /** Round trips a window needs before it counts. Default 16. */
  minSamples: number;
  /** Percentile of a window's round trips taken as its sampleRTT (0..1). Default 0.5. */
  percentile: number;
  /** Latency tolerated above minRTT before the limit shrinks, as a fraction (Gradient2's tolerance 1.5). Default 0.5. */
  buffer: number;
  /** minRTT is measured again this often, ms. Default 30000. */
  minRttIntervalMs: number;
  /** Round trips measured at pinned concurrency for one minRTT. Default 16. */
  minRttSamples: number;
  /** Concurrency while minRTT is measured. Default 2. */
  minRttConcurrency: number;
  /**
   * The first pinned measurement, this long after the first (unpinned) estimate, ms. Default 30000,
   * as the interval: until then faster windows correct the estimate, and a fresh deployment's
   * first seconds (a rollout, a test) are not interrupted by a pin.
   */
  firstProbeMs: number;
}

export const DEFAULT_ADAPTIVE_LIMIT: AdaptiveLimitOptions = {
  initialLimit: 32,
  minLimit: 8,
  maxLimit: 1024,
  sampleWindowMs: 100,
  minSamples: 16,
  percentile: 0.5,
  buffer: 0.5,
  minRttIntervalMs: 30_000,
  minRttSamples: 16,
  minRttConcurrency: 2,
  firstProbeMs: 30_000,
};

/** The `q` quantile of `xs` (sorted in place). */
function quantile(xs: number[], q: number): number {
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
}

export class AdaptiveLimit {
  readonly options: AdaptiveLimitOptions;
  private value: number;
  private minRtt = NaN;
  /** Smoothed round trip of recent successes (what the queue uses to judge deadlines). */
  private rttEwma = NaN;
  private window: number[] = [];
  private windowStart: number;
  private peakInFlight = 0;
  /** Round trips of the minRTT measurement in progress; undefined when none is. */
  private probe: number[] | undefined = [];
  private probeStartedAt: number;
  private nextProbeAt = Infinity;

  constructor(
    options: Partial<AdaptiveLimitOptions> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.options = { ...DEFAULT_ADAPTIVE_LIMIT, ...options };
    const o = this.options;
    o.minLimit = Math.max(1, o.minLimit);
    o.maxLimit = Math.max(o.minLimit, o.maxLimit);
    this.value = Math.min(o.maxLimit, Math.max(o.minLimit, o.initialLimit));
    this.windowStart = now();
    this.probeStartedAt = -Infinity;
  }

  /** Requests that may be in flight now. */
  get limit(): number {
    return this.pinned ? Math.min(this.options.minRttConcurrency, Math.floor(this.value)) || 1 : Math.floor(this.value);
  }

  /** The limit outside minRTT measurements: what the queue should plan with (a measurement is brief). */
  get steadyLimit(): number {
    return Math.floor(this.value);
  }

  private get pinned(): boolean {
    return this.probe !== undefined && !Number.isNaN(this.minRtt);
  }

  /** The unloaded round trip, ms (NaN until first measured). */
  get minRttMs(): number {
    return this.minRtt;
  }

  /** Recent typical round trip, ms (0 until one was seen): the queue's estimate of service time. */
  get expectedRttMs(): number {
    return Number.isNaN(this.rttEwma) ? 0 : this.rttEwma;
  }

  /** True while minRTT is being measured (after the first time, with concurrency pinned low). */
  get measuring(): boolean {
    return this.probe !== undefined;
  }

  /** May one more request start with `inFlight` already running? */
  allows(inFlight: number): boolean {
    if (this.probe === undefined && this.now() >= this.nextProbeAt) {
      this.probe = [];
      this.probeStartedAt = this.now();
    }
    return inFlight < this.limit;
  }

  /** A request started; `inFlight` counts it. Demand is what lets the limit grow. */
  onStart(inFlight: number): void {
    if (inFlight > this.peakInFlight) this.peakInFlight = inFlight;
  }

  /** One successful round trip, ms. Failures and hang-ups are not samples: they say nothing about service time. */
  onSample(rttMs: number): void {
    if (!this.noteRtt(rttMs)) return;
    const now = this.now();
    if (this.probe) {
      // only requests that started under the pinned concurrency show the unloaded latency
      if (now - rttMs < this.probeStartedAt) return;
      this.probe.push(rttMs);
      if (this.probe.length >= this.options.minRttSamples) this.finishProbe(now);
      return;
    }
    this.window.push(rttMs);
    if (now - this.windowStart >= this.options.sampleWindowMs && this.window.length >= this.options.minSamples) this.update(now);
  }

  /**
   * Fold a round trip into the smoothed RTT only (false for a bad sample). With the limit off, the
   * queue needs just this, and the windowed quantiles cost a sort per window on the hot path.
   */
  noteRtt(rttMs: number): boolean {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return false;
    this.rttEwma = Number.isNaN(this.rttEwma) ? rttMs : this.rttEwma * 0.9 + rttMs * 0.1;
    return true;
  }

  private finishProbe(now: number): void {
    const first = !this.pinned;
    this.minRtt = first ? Math.min(...this.probe!) : quantile(this.probe!, this.options.percentile);
    this.probe = undefined;
    this.nextProbeAt = now + (first ? Math.min(this.options.firstProbeMs, this.options.minRttIntervalMs) : this.options.minRttIntervalMs);
    this.resetWindow(now);
  }

  private update(now: number): void {
    const o = this.options;
    const sample = quantile(this.window, o.percentile);
    // proof that service can be faster than the minRTT taken so far (the first one may be taken under load)
    if (sample < this.minRtt) this.minRtt = sample;
    const gradient = Math.min(2, Math.max(0.5, (this.minRtt * (1 + o.buffer)) / Math.max(sample, 1e-3)));
    let next = this.value * gradient + Math.sqrt(this.value);
    // Gradient2's rule: only demand that used at least half the limit may raise it.
    if (next > this.value && this.peakInFlight < this.value / 2) next = this.value;
    this.value = Math.min(o.maxLimit, Math.max(o.minLimit, next));
    this.resetWindow(now);
  }

  private resetWindow(now: number): void {
    this.window = [];
    this.windowStart = now;
    this.peakInFlight = 0;
  }
}
