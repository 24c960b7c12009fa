/**
 * Live history for the web console (issue 18): every second, the gateway's own counters and latency
 * histograms (gateway/metrics.ts) are read and turned into one point per deployment and per replica
 * (requests/s, errors/s by status class, p50/p95/p99 from the histogram's bucket deltas, in-flight,
 * queue depth, replicas desired vs ready), kept in memory for the last 15 minutes. No Prometheus or
 * Grafana needed: the console charts these points, scripts read them as JSON, and subscribers (the
 * SSE stream) get each new sample as it is taken.
 */
import type { Gateway } from '../gateway/gateway.js';

/** One second of one deployment. Latencies in ms; null when no request finished in that second. */
export interface HistoryPoint {
  t: number;
  rps: number;
  errors4xx: number;
  errors5xx: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inFlight: number;
  queued: number;
  desired: number;
  ready: number;
}

/** One second of one replica, as the gateway saw it. */
export interface ReplicaPoint {
  t: number;
  rps: number;
  errors5xx: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inFlight: number;
}

export interface DeploymentHistory {
  points: HistoryPoint[];
  replicas: Record<string, ReplicaPoint[]>;
}

/** What the sampler reads: the gateway (metrics and live load) and the control plane's replica counts. */
export interface HistorySource {
  gateway: Pick<Gateway, 'metrics' | 'stats'>;
  deployments(): Array<{ name: string; desired: number; ready: number }>;
}

export interface HistoryOptions {
  /** Sampling period, ms (default 1000). */
  intervalMs?: number;
  /** Points kept per series (default 900: 15 minutes at one a second). */
  capacity?: number;
  clock?: () => number;
}

/** One sample for subscribers: the newest point of each deployment. */
export type HistorySample = { t: number; deployments: Record<string, HistoryPoint> };

type Buckets = Map<number, number>;

/** Quantile `q` (0..1) in ms from cumulative bucket deltas (`le` seconds → count), interpolated in its bucket. */
export function quantileMs(buckets: Buckets, q: number): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  let lastFinite = 0;
  for (const le of bounds) {
    const cum = buckets.get(le)!;
    if (Number.isFinite(le)) lastFinite = le;
    if (cum >= rank && cum > below) {
      // the +Inf bucket has no upper edge: report its lower edge (the largest finite bound)
      if (!Number.isFinite(le)) return lastFinite * 1000;
      return (lower + ((le - lower) * (rank - below)) / (cum - below)) * 1000;
    }
    lower = Number.isFinite(le) ? le : lower;
    below = cum;
  }
  return lastFinite * 1000;
}

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

/**
 * Counter values since the last read. A series that appeared since then (the gateway creates one at
 * the first answer with a new status code) counts from zero; one that went down was reset. The very
 * first read is only the baseline.
 */
class Deltas {
  private last: Map<string, number> | undefined;
  take(values: Map<string, number>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, v] of values) {
      const prev = this.last === undefined ? v : (this.last.get(k) ?? 0);
      out.set(k, v >= prev ? v - prev : v);
    }
    this.last = values;
    return out;
  }
}

export class MetricsHistory {
  private readonly intervalMs: number;
  private readonly capacity: number;
  private readonly clock: () => number;
  private readonly series = new Map<string, DeploymentHistory>();
  private readonly listeners = new Set<(s: HistorySample) => void>();
  private readonly enders = new Map<(s: HistorySample) => void, () => void>();
  private readonly requestDeltas = new Deltas();
  private readonly bucketDeltas = new Deltas();
  private timer: NodeJS.Timeout | undefined;
  private lastAt: number | undefined;
  private sampling = false;

  constructor(private readonly source: HistorySource, options: HistoryOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.capacity = options.capacity ?? 900;
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop sampling and end every subscription (an open event stream must not hold the server's close). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ends = [...this.enders.values()];
    this.listeners.clear();
    this.enders.clear();
    for (const end of ends) end();
  }

  /** Call `fn` with every new sample, and `onStop` when sampling stops; returns the unsubscribe function. */
  subscribe(fn: (s: HistorySample) => void, onStop?: () => void): () => void {
    this.listeners.add(fn);
    if (onStop) this.enders.set(fn, onStop);
    return () => {
      this.listeners.delete(fn);
      this.enders.delete(fn);
    };
  }

  deployment(name: string): DeploymentHistory | undefined {
    return this.series.get(name);
  }

  /** The newest point of every deployment. */
  latest(): HistorySample {
    const deployments: Record<string, HistoryPoint> = {};
    for (const [name, h] of this.series) {
      const p = h.points.at(-1);
      if (p) deployments[name] = p;
    }
    return { t: this.lastAt ?? this.clock(), deployments };
  }

  /** Take one sample now (the timer calls this; tests may too). */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await this.sampleOnce();
    } finally {
      this.sampling = false;
    }
  }

  private async sampleOnce(): Promise<void> {
    const now = this.clock();
    const dt = this.lastAt === undefined ? this.intervalMs / 1000 : Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    const m = this.source.gateway.metrics;
    const [req, dur] = await Promise.all([m.requests.get(), m.duration.get()]);

    const reqValues = new Map<string, number>();
    for (const v of req.values) reqValues.set(`${String(v.labels.deployment)}\u0000${String(v.labels.replica)}\u0000${String(v.labels.code)}`, v.value);
    const bucketValues = new Map<string, number>();
    for (const v of dur.values) {
      const labels = v.labels as Record<string, string | number | undefined>;
      if (labels['le'] === undefined) continue; // _sum and _count
      const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
      bucketValues.set(`${String(labels['deployment'])}\u0000${String(labels['replica'])}\u0000${le}`, v.value);
    }
    const reqD = this.requestDeltas.take(reqValues);
    const bucketD = this.bucketDeltas.take(bucketValues);

    // per replica: requests by status class; buckets by le
    interface Acc { n: number; e4: number; e5: number; buckets: Buckets }
    const acc = (): Acc => ({ n: 0, e4: 0, e5: 0, buckets: new Map() });
    const perDeployment = new Map<string, Acc>();
    const perReplica = new Map<string, Map<string, Acc>>();
    const get = (d: string, r: string): [Acc, Acc] => {
      if (!perDeployment.has(d)) perDeployment.set(d, acc());
      if (!perReplica.has(d)) perReplica.set(d, new Map());
      const reps = perReplica.get(d)!;
      if (!reps.has(r)) reps.set(r, acc());
      return [perDeployment.get(d)!, reps.get(r)!];
    };
    for (const [k, n] of reqD) {
      const [d, r, code] = k.split('\u0000') as [string, string, string];
      for (const a of get(d, r)) {
        a.n += n;
        if (code.startsWith('4')) a.e4 += n;
        else if (code.startsWith('5')) a.e5 += n;
      }
    }
    for (const [k, n] of bucketD) {
      const [d, r, le] = k.split('\u0000') as [string, string, string];
      const bound = le === 'Infinity' ? Infinity : Number(le);
      for (const a of get(d, r)) a.buckets.set(bound, (a.buckets.get(bound) ?? 0) + n);
    }

    const live = new Set<string>();
    for (const { name, desired, ready } of this.source.deployments()) {
      live.add(name);
      const stats = this.source.gateway.stats(name);
      const a = perDeployment.get(name) ?? acc();
      const h = this.series.get(name) ?? { points: [], replicas: {} };
      this.series.set(name, h);
      this.push(h.points, {
        t: now,
        rps: round(a.n / dt)!,
        errors4xx: round(a.e4 / dt)!,
        errors5xx: round(a.e5 / dt)!,
        p50: round(quantileMs(a.buckets, 0.5)),
        p95: round(quantileMs(a.buckets, 0.95)),
        p99: round(quantileMs(a.buckets, 0.99)),
        inFlight: stats?.inFlight ?? 0,
        queued: stats?.queued ?? 0,
        desired,
        ready,
      });
      const reps = perReplica.get(name) ?? new Map<string, Acc>();
      for (const r of stats?.replicas ?? []) if (!reps.has(r.id)) reps.set(r.id, acc());
      for (const [id, ra] of reps) {
        if (id === '' || id === 'undefined' || id === 'none') continue; // answered by the gateway itself
        const series = (h.replicas[id] ??= []);
        this.push(series, {
          t: now,
          rps: round(ra.n / dt)!,
          errors5xx: round(ra.e5 / dt)!,
          p50: round(quantileMs(ra.buckets, 0.5)),
          p95: round(quantileMs(ra.buckets, 0.95)),
          p99: round(quantileMs(ra.buckets, 0.99)),
          inFlight: stats?.replicas.find((x) => x.id === id)?.inFlight ?? 0,
        });
      }
      // a replica gone for the whole window has nothing left to show
      for (const [id, series] of Object.entries(h.replicas)) {
        if ((series.at(-1)?.t ?? 0) < now - this.capacity * this.intervalMs) delete h.replicas[id];
      }
    }
    for (const name of [...this.series.keys()]) if (!live.has(name)) this.series.delete(name);
    const sample = this.latest();
    for (const fn of this.listeners) fn(sample);
  }

  private push<T>(series: T[], p: T): void {
    series.push(p);
    // trim in steps, so the array is not shifted every second
    if (series.length > this.capacity + 60) series.splice(0, series.length - this.capacity);
  }
}
