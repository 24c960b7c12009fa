/**
 * Least-request by the power of two choices (what Envoy's LEAST_REQUEST and Ray Serve do): sample
 * two eligible replicas at random and send to the one with less outstanding work per unit of
 * weight. Outstanding work is the in-flight count scaled by the replica's recent mean latency (the
 * P2C cost Finagle and Linkerd use, `(inFlight + 1) × latency`). Among equal replicas the latencies
 * match and this is plain in-flight comparison.
 *
 * A latency outlier (mean ≥ SHUN_RATIO × its rival's) is shunned rather than costed: the cost
 * alone re-admits it whenever the fast replica's queue grows, because the fast one's measured
 * latency already holds its queueing, so `(inFlight + 1) × latency` grows with the square of its
 * depth against the slow one's straight line — on a loaded box that sent a few percent of traffic
 * to a replica slow on half its answers, enough to tie round-robin's p99 (issue 20,
 * `bench/gateway-sim.ts`). A shunned replica gets bounded probes instead (Envoy's outlier
 * detection, Finagle's aperture): at most one per PROBE_INTERVAL_MS while it is idle, and no more
 * than PROBE_SHARE of all picks. Its estimate moves only on real answers, each by at most
 * MAX_SAMPLE_WEIGHT, so one lucky fast answer does not re-admit it; a replica that truly recovered
 * is back within about ln(ratio)/ln(1/(1−MAX_SAMPLE_WEIGHT)) probes. When the fast rival is
 * saturated (SPILL_DEPTH in flight) the shunned one takes overflow, so shunning never caps capacity.
 * Hand-written: it routes on the gateway's own live in-flight counts and latencies, which nothing
 * outside the gateway knows, and P2C avoids the herding a global "least" pick causes.
 */
import { Rng } from '../core/rng.js';
import { type PickRequest, type Policy, type Replica, isEligible } from './types.js';

/** Time constant of the latency average: a sample's weight halves in about 350 ms. */
const DECAY_MS = 500;
/** The most one answer can move an estimate (toward its own latency). */
export const MAX_SAMPLE_WEIGHT = 0.1;
/** A replica whose mean latency is at least this many times its rival's is shunned. */
export const SHUN_RATIO = 2;
/** A shunned replica is probed at most once per this interval, and only while it has nothing in flight. */
export const PROBE_INTERVAL_MS = 100;
/** Probes are at most this share of all picks (a credit earned per pick, banked up to one probe). */
export const PROBE_SHARE = 0.02;
/** In-flight depth at which the fast rival counts as saturated and a shunned replica takes overflow. */
export const SPILL_DEPTH = 32;

interface ReplicaState {
  /** Mean latency from real answers; NaN until the first one. */
  ms: number;
  at: number;
  probedAt: number;
}

export class LeastRequestPolicy implements Policy {
  readonly name = 'least-request' as const;
  private readonly scratch: Replica[] = [];
  /** Per replica (keyed by object: a restarted replica starts afresh). */
  private readonly state = new WeakMap<Replica, ReplicaState>();
  private probeCredit = 0;

  constructor(
    private readonly rng: Rng = new Rng(Date.now() >>> 0),
    private readonly now: () => number = () => performance.now(),
  ) {}

  pick(request: PickRequest, replicas: readonly Replica[]): Replica | undefined {
    const pool = this.scratch;
    pool.length = 0;
    for (const r of replicas) if (isEligible(r, request)) pool.push(r);
    if (pool.length <= 1) return pool[0];
    this.probeCredit = Math.min(1, this.probeCredit + PROBE_SHARE);
    if (this.probeCredit >= 1) {
      const p = this.dueProbe(pool);
      if (p) {
        this.probeCredit -= 1;
        return p;
      }
    }
    const i = this.rng.nextU32() % pool.length;
    let j = this.rng.nextU32() % (pool.length - 1);
    if (j >= i) j++;
    const a = pool[i]!;
    const b = pool[j]!;
    const ma = this.state.get(a)?.ms ?? NaN;
    const mb = this.state.get(b)?.ms ?? NaN;
    // A replica with no answer yet is charged its rival's latency: neither favoured nor shunned.
    const la = Number.isNaN(ma) ? (Number.isNaN(mb) ? 1 : mb) : ma;
    const lb = Number.isNaN(mb) ? la : mb;
    if (la >= SHUN_RATIO * lb && b.inFlight < SPILL_DEPTH) return b;
    if (lb >= SHUN_RATIO * la && a.inFlight < SPILL_DEPTH) return a;
    const ca = ((a.inFlight + 1) * la) / weightOf(a);
    const cb = ((b.inFlight + 1) * lb) / weightOf(b);
    if (ca !== cb) return ca < cb ? a : b;
    // Tie (typically both idle and alike): split in proportion to weight so weights hold at low load too.
    const wa = weightOf(a);
    return this.rng.next() * (wa + weightOf(b)) < wa ? a : b;
  }

  onStart(): void {}

  /**
   * Fold one answer's latency into a time-decayed mean, each answer moving it by at most
   * MAX_SAMPLE_WEIGHT. Failed attempts are left out: a fast error is not a fast replica, and
   * outlier ejection deals with failures.
   */
  onDone(replica: Replica, outcome: { ok: boolean; latencyMs: number }): void {
    if (!outcome.ok) return;
    const t = this.now();
    const ms = Math.max(outcome.latencyMs, 0.01);
    const e = this.state.get(replica);
    if (!e) {
      this.state.set(replica, { ms, at: t, probedAt: -Infinity });
      return;
    }
    if (Number.isNaN(e.ms)) e.ms = ms;
    const w = Math.min(MAX_SAMPLE_WEIGHT, 1 - Math.exp(-Math.max(0, t - e.at) / DECAY_MS));
    e.ms += (ms - e.ms) * w;
    e.at = t;
  }

  /** An idle shunned replica not probed or answered within PROBE_INTERVAL_MS, if any. */
  private dueProbe(pool: readonly Replica[]): Replica | undefined {
    let best = Infinity;
    for (const r of pool) {
      const ms = this.state.get(r)?.ms ?? NaN;
      if (ms < best) best = ms;
    }
    if (best === Infinity) return undefined;
    const t = this.now();
    for (const r of pool) {
      const e = this.state.get(r);
      if (!e || r.inFlight > 0 || !(e.ms >= SHUN_RATIO * best)) continue;
      if (t - e.at < PROBE_INTERVAL_MS || t - e.probedAt < PROBE_INTERVAL_MS) continue;
      e.probedAt = t;
      return r;
    }
    return undefined;
  }
}

function weightOf(r: Replica): number {
  return r.weight > 0 ? r.weight : 1;
}
