/**
 * A replica as one deployment's route holds it: the policy-visible Replica plus its undici
 * keep-alive pool, active-health streaks, outlier state and draining flag. `healthy` is derived
 * from those three so policies only ever read one boolean.
 */
import { Pool } from 'undici';
import { type GatewayMetrics, type MetricSource } from './metrics.js';
import { newOutlierState, type OutlierState } from './outlier.js';
import { type Replica } from './types.js';

export interface MemberSpec {
  id: string;
  origin: string;
  weight?: number;
  /** Per-replica concurrency cap. Default from the route options. */
  capacity?: number;
}

export class Member implements Replica, MetricSource {
  readonly id: string;
  readonly origin: string;
  weight: number;
  inFlight = 0;
  healthy = true;
  capacity: number;
  readonly pool: Pool;
  /** Active health result (starts true: the control plane adds replicas once they are ready). */
  activeHealthy = true;
  okStreak = 0;
  failStreak = 0;
  draining = false;
  readonly outlier: OutlierState = newOutlierState();
  ejectTimer: NodeJS.Timeout | undefined;
  /** Labelled metric children, resolved once; request counts are batched (metrics.ts says why). */
  private gauge: { set(v: number): void } | undefined;
  private histogram: { observe(v: number): void } | undefined;
  private readonly counters = new Map<number | string, { child: { inc(n: number): void }; pending: number }>();
  private metrics: GatewayMetrics | undefined;
  /** Removed from its route: late completions are counted at once, nothing flushes them later. */
  private detached = false;
  private deployment = '';

  constructor(spec: MemberSpec, defaultCapacity: number, connections: number) {
    this.id = spec.id;
    this.origin = spec.origin;
    this.weight = spec.weight ?? 1;
    this.capacity = spec.capacity ?? defaultCapacity;
    this.pool = new Pool(spec.origin, {
      connections,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // Replicas answer on loopback; a slow connect means the replica is gone.
      connectTimeout: 2_000,
    });
  }

  bindMetrics(metrics: GatewayMetrics, deployment: string): void {
    this.metrics = metrics;
    this.deployment = deployment;
    this.gauge = metrics.inFlight.labels({ deployment, replica: this.id });
    this.histogram = metrics.duration.labels({ deployment, replica: this.id });
    metrics.attach(this);
  }

  /** Publish the in-flight count (when the metrics are read). */
  publishInFlight(): void {
    this.gauge?.set(this.inFlight);
  }

  /** The replica left its route: flush what is pending and count directly from now on. */
  detachMetrics(): void {
    this.flushRequests();
    this.detached = true;
    this.metrics?.detach(this);
  }

  /** Add the request counts gathered since the last flush to the counter. */
  flushRequests(): void {
    for (const c of this.counters.values()) {
      if (c.pending === 0) continue;
      c.child.inc(c.pending);
      c.pending = 0;
    }
  }

  /** Count one finished request by status (or 'aborted') with its gateway-observed latency. */
  countRequest(code: number | string, seconds: number): void {
    if (!this.metrics) return;
    let c = this.counters.get(code);
    if (!c) {
      c = { child: this.metrics.requests.labels({ deployment: this.deployment, replica: this.id, code: String(code) }), pending: 0 };
      this.counters.set(code, c);
    }
    c.pending++;
    if (this.detached) this.flushRequests();
    this.histogram!.observe(seconds);
  }

  get ejected(): boolean {
    return this.outlier.ejectedUntil > Date.now();
  }

  /** Recompute the policy-visible flag; returns true when it changed. */
  refresh(): boolean {
    const next = this.activeHealthy && !this.draining && !this.ejected;
    const changed = next !== this.healthy;
    this.healthy = next;
    return changed;
  }
}
