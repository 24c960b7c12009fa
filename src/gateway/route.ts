/**
 * One deployment's routing state: its members, its policy, the adaptive concurrency limit, the
 * bounded wait queue for when every replica is busy or none is ready, active health checks,
 * passive outlier ejection and the retry budget. The proxy asks it for a replica (`acquire`) and
 * reports back (`release`). A request waits in the queue only while it can still be served within
 * its deadline; otherwise it is refused at once with 503 and Retry-After (shedding, not collapse).
 */
import { LeptonError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { AdaptiveLimit, type AdaptiveLimitOptions } from './adaptive-limit.js';
import { type GatewayMetrics } from './metrics.js';
import { Member, type MemberSpec } from './member.js';
import { OutlierDetector, type OutlierOptions } from './outlier.js';
import { type AffinityOptions } from './policy-affinity.js';
import { createPolicy, DEFAULT_POLICY } from './policies.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { type PickRequest, type Policy, type PolicyName } from './types.js';

export interface HealthCheckOptions {
  /** Path probed on each replica. Default `/v2/health/ready` (fails while a replica drains). */
  path: string;
  /** Probe period. Default 5000 ms. */
  intervalMs: number;
  /** Probe timeout. Default 1000 ms. */
  timeoutMs: number;
  /** Passes in a row that mark an unhealthy replica healthy. Default 2. */
  healthyThreshold: number;
  /** Failures in a row that mark a replica unhealthy. Default 3. */
  unhealthyThreshold: number;
}

export interface RouteOptions {
  policy: PolicyName;
  affinity: AffinityOptions;
  /** Concurrent requests one replica may hold. Default 256. */
  replicaCapacity: number;
  /** Keep-alive connections per replica. Default 64. */
  connectionsPerReplica: number;
  /** Requests that may wait for a free replica; beyond it, 503 + Retry-After. Default 4096. */
  maxQueue: number;
  /**
   * Longest a request waits for a busy replica. Within it, a request waits only while it can still
   * be served by its deadline (queue position × recent round trip ÷ limit, plus one round trip);
   * else 503 + Retry-After at once. With no replica at all, only the deadline applies. Default 10000 ms.
   */
  queueTimeoutMs: number;
  /**
   * The queue is short in time, not only in length: a request waits at most this long for a busy
   * replica (or two service times, for a model slower than that), then gets
   * 503 + Retry-After, so admitted requests stay fast under any overload. Waiting, not refusing on
   * arrival, is deliberate: a client that got an instant 503 comes straight back (load generators
   * ignore Retry-After), and answering that storm would take the CPU the admitted requests need.
   * Default 400 ms.
   */
  maxQueueDelayMs: number;
  /** Default per-request deadline; `x-lepton-timeout-ms` may shorten it. Default 30000 ms. */
  requestTimeoutMs: number;
  /**
   * Gradient concurrency limit per deployment (adaptive-limit.ts); false: only the per-replica caps.
   * Default off: at 64 connections on 2 cores it cut throughput from 8,532 to 4,053 req/s
   * (bench/gateway.ts, same run), and it did not keep admitted p99 under 500 ms at 2,000 connections
   * either (bench/overload.ts). Deadline-aware queueing and the bounded queue still shed overload.
   */
  adaptiveConcurrency: Partial<AdaptiveLimitOptions> | false;
  /** Attempts per request including the first. Default 3. */
  maxAttempts: number;
  /** Largest request body buffered for retries. Default 16 MiB. */
  maxBodyBytes: number;
  health: HealthCheckOptions;
  outlier: OutlierOptions;
  retryBudget: RetryBudgetOptions;
}

export const DEFAULT_ROUTE_OPTIONS: RouteOptions = {
  policy: DEFAULT_POLICY,
  affinity: {},
  // As many as the pool's connections: a request past them would wait inside undici's pool queue,
  // where no deadline is checked, instead of in the deadline-aware queue here (issue 12, overload).
  replicaCapacity: 64,
  connectionsPerReplica: 64,
  // Room for every connection of a 2,000-connection overload: a refused request comes straight back
  // (load generators ignore Retry-After), so refusing on arrival costs more than a bounded wait.
  maxQueue: 4096,
  queueTimeoutMs: 10_000,
  maxQueueDelayMs: 400,
  requestTimeoutMs: 30_000,
  adaptiveConcurrency: false,
  maxAttempts: 3,
  maxBodyBytes: 16 * 1024 * 1024,
  health: { path: '/v2/health/ready', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3 },
  outlier: {},
  retryBudget: {},
};

/**
 * What the control plane knows when a request finds no replica at all: the earliest time (epoch
 * ms) one could be ready (Infinity: none is expected, e.g. crash looping) and a Retry-After hint.
 * Undefined means one may come any moment (starting, scaling from zero): the request waits.
 */
export interface ReplicaOutlook {
  readyAt: number;
  retryAfterS: number;
}

interface Waiter {
  request: PickRequest;
  resolve: (m: Member) => void;
  reject: (e: LeptonError) => void;
  timer: NodeJS.Timeout;
}

export class Route {
  readonly members: Member[] = [];
  readonly budget: RetryBudget;
  /** Round trips of this deployment, and (unless disabled) the limit on requests in flight. */
  readonly limiter: AdaptiveLimit;
  policy: Policy;
  /** Requests in flight on all members (reserve → release). */
  private active = 0;
  private readonly outlier: OutlierDetector;
  private readonly waiters: Waiter[] = [];
  private healthTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    readonly options: RouteOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger = silentLogger,
    /** Called when a request arrives and the deployment has no member (scale from zero); may answer when one could serve. */
    private readonly onDemand: (deployment: string) => ReplicaOutlook | void = () => {},
  ) {
    this.policy = createPolicy(options.policy, options.affinity);
    this.outlier = new OutlierDetector(options.outlier);
    this.budget = new RetryBudget(options.retryBudget);
    this.limiter = new AdaptiveLimit(options.adaptiveConcurrency === false ? {} : options.adaptiveConcurrency);
    this.healthTimer = setInterval(() => void this.probeAll(), options.health.intervalMs);
    this.healthTimer.unref();
  }

  get queued(): number {
    return this.waiters.length;
  }

  get inFlight(): number {
    let n = 0;
    for (const m of this.members) n += m.inFlight;
    return n;
  }

  setPolicy(name: PolicyName, affinity: AffinityOptions = this.options.affinity): void {
    this.policy = createPolicy(name, affinity);
    this.policy.onMembershipChange?.(this.members);
  }

  add(spec: MemberSpec): Member {
    const existing = this.members.find((m) => m.id === spec.id);
    if (existing) return existing;
    const m = new Member(spec, this.options.replicaCapacity, this.options.connectionsPerReplica);
    m.bindMetrics(this.metrics, this.name);
    this.members.push(m);
    this.policy.onMembershipChange?.(this.members);
    this.wake();
    return m;
  }

  /** Stop routing new requests to `id`, wait (bounded) for its in-flight ones, then remove it. */
  async drain(id: string, timeoutMs = 30_000): Promise<void> {
    const m = this.members.find((x) => x.id === id);
    if (!m) return;
    m.draining = true;
    m.refresh();
    const until = Date.now() + timeoutMs;
    while (m.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await this.remove(id);
  }

  /** Remove `id` at once (its process is gone); in-flight requests on it fail over via retries. */
  async remove(id: string): Promise<void> {
    const i = this.members.findIndex((x) => x.id === id);
    if (i < 0) return;
    const [m] = this.members.splice(i, 1);
    clearTimeout(m!.ejectTimer);
    m!.detachMetrics();
    this.metrics.forgetReplica(this.name, id);
    this.policy.onMembershipChange?.(this.members);
    await m!.pool.destroy().catch(() => {});
  }

  /**
   * Reserve a replica for one attempt, waiting in the bounded queue if none is free, but only while
   * the request can still be served by `deadline` (epoch ms); otherwise 503 + Retry-After now.
   */
  acquire(request: PickRequest, deadline: number): Promise<Member> | Member {
    const m = this.choose(request);
    if (m) return this.reserve(m);
    if (this.members.length === 0) {
      // Waiting only helps if a replica can be ready before the deadline; else answer 503 now.
      const outlook = this.onDemand(this.name);
      if (outlook && outlook.readyAt > deadline) throw this.noReplicaError(outlook.retryAfterS);
    }
    if (this.waiters.length >= this.options.maxQueue) {
      this.metrics.rejected.inc({ deployment: this.name, reason: 'queue_full' });
      throw new LeptonError('LEPTON_ERR_OVERLOADED', `deployment '${this.name}' is overloaded: gateway queue is full`, {
        retryAfter: this.retryAfterS(this.waiters.length),
      });
    }
    let waitMs: number;
    if (this.members.length === 0) {
      // With no replica at all (scale from zero, first start) a request may wait its whole deadline.
      waitMs = Math.max(0, deadline - Date.now());
    } else {
      // Served in time only if its turn comes at least one round trip before the deadline.
      const rtt = this.limiter.expectedRttMs;
      const budget = deadline - Date.now() - rtt;
      const wait = this.expectedWaitMs(this.waiters.length + 1);
      if (wait > budget) {
        this.metrics.rejected.inc({ deployment: this.name, reason: 'deadline' });
        throw new LeptonError('LEPTON_ERR_OVERLOADED', `deployment '${this.name}' is overloaded: the request could not be served within its deadline`, {
          retryAfter: this.retryAfterS(this.waiters.length),
        });
      }
      // At most maxQueueDelayMs, or two service times of a model slower than that; before any
      // service time is known, only queueTimeoutMs.
      const cap = rtt > 0 ? Math.max(this.options.maxQueueDelayMs, 2 * rtt) : Infinity;
      waitMs = Math.max(0, Math.min(budget, this.options.queueTimeoutMs, cap));
    }
    return new Promise<Member>((resolve, reject) => {
      const waiter: Waiter = {
        request,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          this.metrics.queueDepth.set({ deployment: this.name }, this.waiters.length);
          if (this.members.length > 0) this.metrics.rejected.inc({ deployment: this.name, reason: 'queue_timeout' });
          reject(this.noCapacityError());
        }, waitMs),
      };
      this.waiters.push(waiter);
      this.metrics.queueDepth.set({ deployment: this.name }, this.waiters.length);
    });
  }

  /**
   * Little's law: the `position`-th waiter starts after about position × round trip ÷ concurrency
   * (the steady limit: a minRTT measurement pins concurrency only briefly and must not shed the queue).
   */
  private expectedWaitMs(position: number): number {
    const caps = this.members.length * this.options.replicaCapacity;
    const slots = this.options.adaptiveConcurrency === false ? caps : Math.min(caps, this.limiter.steadyLimit);
    return (position * this.limiter.expectedRttMs) / Math.max(1, slots);
  }

  /** Seconds until a queue of `queued` would likely have drained; at least 1. */
  private retryAfterS(queued: number): number {
    return Math.max(1, Math.ceil(this.expectedWaitMs(queued) / 1000));
  }

  /**
   * End one attempt: free the slot, feed outlier detection and the policy, serve waiters. `ok` is
   * undefined when the attempt ended for a reason that is not the replica's (the client left).
   * `serviceMs` is the replica's own reported time for it, when it sent one.
   */
  release(m: Member, ok: boolean | undefined, latencyMs: number, serviceMs?: number): void {
    m.inFlight--;
    this.active--;
    // Only a real answer says how long service takes; failures and hang-ups do not. The replica's
    // own time is preferred: a gateway busy answering a flood adds its own lag to every round trip,
    // and a limit that followed that lag would starve replicas that are not congested at all.
    if (ok === true) {
      if (this.options.adaptiveConcurrency === false) this.limiter.noteRtt(serviceMs ?? latencyMs);
      else this.limiter.onSample(serviceMs ?? latencyMs);
    }
    // A removed replica's late completions must not recreate its metric series.
    if (!this.members.includes(m)) return this.wake();
    // Only a real answer's latency says how fast the replica is; a hang-up's says nothing.
    this.policy.onDone(m, { ok: ok === true, latencyMs });
    if (ok === true) this.outlier.onSuccess(m.outlier);
    else if (ok === false) this.recordFailure(m);
    this.wake();
  }

  /** Hand free capacity to queued requests, oldest first. */
  wake(): void {
    if (this.waiters.length === 0) return;
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      const m = this.choose(w.request);
      if (!m) break;
      this.waiters.shift();
      clearTimeout(w.timer);
      w.resolve(this.reserve(m));
    }
    this.metrics.queueDepth.set({ deployment: this.name }, this.waiters.length);
  }

  /** No replica is expected soon (the deployment crash-loops): answer the queued requests now, not at their deadline. */
  refuseWaiting(retryAfterS: number): void {
    if (this.members.length > 0) return;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.noReplicaError(retryAfterS));
    }
    this.metrics.queueDepth.set({ deployment: this.name }, this.waiters.length);
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.healthTimer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new LeptonError('LEPTON_ERR_DEPLOYMENT_NOT_FOUND', `deployment '${this.name}' was removed`));
    }
    return Promise.all(this.members.map((m) => this.remove(m.id))).then(() => {});
  }

  /**
   * Ask the policy, then fall back in order of how likely the answer is to succeed: an ejected
   * replica the request has not tried yet (panic mode) beats one it already failed on. A retry's
   * exclusions are still only a preference, so when only a tried replica is left (e.g. the one
   * replica, just restarted under the same id) it is used anyway.
   */
  private choose(request: PickRequest): Member | undefined {
    if (this.options.adaptiveConcurrency !== false && !this.limiter.allows(this.active)) return undefined;
    const m = (this.policy.pick(request, this.members) as Member | undefined) ?? this.panicPick(request);
    if (m || !request.exclude || request.exclude.size === 0) return m;
    const any = { headers: request.headers };
    return (this.policy.pick(any, this.members) as Member | undefined) ?? this.panicPick(any);
  }

  /**
   * Panic mode (Envoy's idea): when outlier ejection has taken out every replica this request may
   * use that passes its health checks, ejection is ignored rather than failing the request; a flaky
   * replica beats none. A healthy candidate that is merely at capacity means wait, not panic.
   */
  private panicPick(request: PickRequest): Member | undefined {
    const usable = (x: Member): boolean => !(request.exclude?.has(x.id) ?? false);
    if (this.members.some((x) => x.healthy && usable(x))) return undefined;
    const ejected = this.members.filter((x) => x.ejected && x.activeHealthy && !x.draining && usable(x));
    if (ejected.length === 0) return undefined;
    for (const x of ejected) x.healthy = true;
    try {
      return this.policy.pick(request, this.members) as Member | undefined;
    } finally {
      for (const x of ejected) x.refresh();
    }
  }

  private reserve(m: Member): Member {
    m.inFlight++;
    this.active++;
    this.limiter.onStart(this.active);
    this.policy.onStart(m);
    return m;
  }

  private noCapacityError(): LeptonError {
    const ready = this.members.some((m) => m.healthy);
    return ready
      ? new LeptonError('LEPTON_ERR_OVERLOADED', `deployment '${this.name}' is overloaded: no replica freed up in time`, {
          retryAfter: this.retryAfterS(this.waiters.length),
        })
      : this.noReplicaError(2);
  }

  private noReplicaError(retryAfter: number): LeptonError {
    this.metrics.rejected.inc({ deployment: this.name, reason: 'no_replica' });
    return new LeptonError('LEPTON_ERR_NO_REPLICA', `deployment '${this.name}' has no ready replica`, { retryAfter });
  }

  private recordFailure(m: Member): void {
    const ejected = this.members.filter((x) => x.ejected).length;
    const ms = this.outlier.onFailure(m.outlier, Date.now(), ejected, this.members.length);
    if (ms === 0) return;
    this.metrics.ejections.inc({ deployment: this.name, replica: m.id });
    this.log.warn({ deployment: this.name, replica: m.id, ejectMs: ms }, 'replica ejected after consecutive failures');
    m.refresh();
    clearTimeout(m.ejectTimer);
    m.ejectTimer = setTimeout(() => {
      if (m.refresh()) this.wake();
    }, ms + 5);
    m.ejectTimer.unref();
  }

  private async probeAll(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.members.map((m) => this.probe(m)));
  }

  private async probe(m: Member): Promise<void> {
    const h = this.options.health;
    let ok = false;
    try {
      const r = await m.pool.request({ method: 'GET', path: h.path, headersTimeout: h.timeoutMs, bodyTimeout: h.timeoutMs });
      await r.body.dump();
      ok = r.statusCode >= 200 && r.statusCode < 300;
    } catch {
      ok = false;
    }
    if (ok) {
      m.failStreak = 0;
      m.okStreak++;
      if (!m.activeHealthy && m.okStreak >= h.healthyThreshold) m.activeHealthy = true;
    } else {
      m.okStreak = 0;
      m.failStreak++;
      if (m.activeHealthy && m.failStreak >= h.unhealthyThreshold) {
        m.activeHealthy = false;
        this.log.warn({ deployment: this.name, replica: m.id }, 'replica failed active health checks');
      }
    }
    if (m.refresh() && m.healthy) this.wake();
  }
}
