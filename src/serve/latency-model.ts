/**
 * The batch-latency model behind adaptive batching (the idea BentoML uses): fit
 * latency ≈ a + b·batch by least squares over recent batches, then choose how long a request may
 * wait for its batch to fill so that wait + worst-case service still meets a p99 target.
 */

export interface LatencyFit {
  /** Fixed cost of one engine run, ms. */
  a: number;
  /** Marginal cost per row, ms. */
  b: number;
  samples: number;
}

export class LatencyModel {
  private readonly sizes: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  /** Keep the last `window` batches, so the fit follows load and machine changes. */
  constructor(private readonly window = 256) {
    this.sizes = new Float64Array(window);
    this.times = new Float64Array(window);
  }

  observe(batchSize: number, durationMs: number): void {
    this.sizes[this.next] = batchSize;
    this.times[this.next] = durationMs;
    this.next = (this.next + 1) % this.window;
    this.count = Math.min(this.count + 1, this.window);
  }

  /** Least-squares fit; with one distinct batch size the slope is unknown and taken as 0. */
  fit(): LatencyFit {
    const n = this.count;
    if (n === 0) return { a: 0, b: 0, samples: 0 };
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const x = this.sizes[i]!;
      const y = this.times[i]!;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const den = n * sxx - sx * sx;
    let b = den > 1e-9 ? (n * sxy - sx * sy) / den : 0;
    b = Math.max(0, b);
    const a = Math.max(0, (sy - b * sx) / n);
    return { a, b, samples: n };
  }

  /** Mean recent batch size (1 when nothing was seen). */
  meanBatch(): number {
    if (this.count === 0) return 1;
    let s = 0;
    for (let i = 0; i < this.count; i++) s += this.sizes[i]!;
    return s / this.count;
  }

  /**
   * The wait (ms) for a p99 target: a request may wait W, then sit behind one in-flight batch and
   * run in its own, each costing up to a + b·B. So W = target − 2·(a + b·B), clamped to [0, maxWaitMs].
   * B is the larger of the recent mean batch and what would arrive during W at the current rate,
   * capped by maxBatch; until 8 batches were seen, the static wait is used.
   */
  chooseWait(targetMs: number, maxBatch: number, maxWaitMs: number, fallbackMs: number): number {
    const f = this.fit();
    if (f.samples < 8) return Math.min(fallbackMs, maxWaitMs);
    const batch = Math.min(maxBatch, Math.max(1, this.meanBatch() * 1.5));
    const service = f.a + f.b * batch;
    return Math.max(0, Math.min(maxWaitMs, targetMs - 2 * service));
  }
}
