/**
 * Least-request by the power of two choices (what Envoy's LEAST_REQUEST and Ray Serve do): sample
 * two eligible replicas at random and send to the one with less outstanding work per unit of
 * weight. Outstanding work is the in-flight count scaled by the replica's recent mean latency (the
 * P2C cost Finagle and Linkerd use, `(inFlight + 1) × latency`). Among equal replicas the latencies
 * match and this is plain in-flight comparison. A replica that answers slowly at the same depth is
 * charged for it at once, where in-flight counts alone notice only after requests pile up on it;
 * batching replicas hide slowness from in-flight counts, since a deeper queue barely slows them.
 * Hand-written: it routes on the gateway's own live in-flight counts and latencies, which nothing
 * outside the gateway knows, and P2C avoids the herding a global "least" pick causes.
 */
import { Rng } from '../core/rng.js';
import { type PickRequest, type Policy, type Replica, isEligible } from './types.js';

/** Time constant of the latency average: a sample's weight halves in about 350 ms. */
const DECAY_MS = 500;
/**
 * An estimate nobody refreshed (the replica got no traffic because it looked slow) drifts toward
 * its peer's with this time constant, so a replica that recovered is tried again, even at low load.
 */
const STALE_MS = 5000;

interface LatencyEstimate {
  ms: number;
  at: number;
}

export class LeastRequestPolicy implements Policy {
  readonly name = 'least-request' as const;
  private readonly scratch: Replica[] = [];
  /** Mean latency per replica (keyed by object: a restarted replica starts afresh). */
  private readonly latency = new WeakMap<Replica, LatencyEstimate>();

  constructor(
    private readonly rng: Rng = new Rng(Date.now() >>> 0),
    private readonly now: () => number = () => performance.now(),
  ) {}

  pick(request: PickRequest, replicas: readonly Replica[]): Replica | undefined {
    const pool = this.scratch;
    pool.length = 0;
    for (const r of replicas) if (isEligible(r, request)) pool.push(r);
    if (pool.length <= 1) return pool[0];
    const i = this.rng.nextU32() % pool.length;
    let j = this.rng.nextU32() % (pool.length - 1);
    if (j >= i) j++;
    const a = pool[i]!;
    const b = pool[j]!;
    const ea = this.latency.get(a);
    const eb = this.latency.get(b);
    const t = this.now();
    const la = ((a.inFlight + 1) * estimate(ea, eb, t)) / weightOf(a);
    const lb = ((b.inFlight + 1) * estimate(eb, ea, t)) / weightOf(b);
    if (la !== lb) return la < lb ? a : b;
    // Tie (typically both idle and alike): split in proportion to weight so weights hold at low load too.
    const wa = weightOf(a);
    return this.rng.next() * (wa + weightOf(b)) < wa ? a : b;
  }

  onStart(): void {}

  /**
   * Fold one answer's latency into a time-decayed mean. Failed attempts are left out: a fast error
   * is not a fast replica, and outlier ejection deals with failures.
   */
  onDone(replica: Replica, outcome: { ok: boolean; latencyMs: number }): void {
    if (!outcome.ok) return;
    const t = this.now();
    const ms = Math.max(outcome.latencyMs, 0.01);
    const e = this.latency.get(replica);
    if (!e) {
      this.latency.set(replica, { ms, at: t });
      return;
    }
    const w = Math.exp(-Math.max(0, t - e.at) / DECAY_MS);
    e.ms = e.ms * w + ms * (1 - w);
    e.at = t;
  }
}

/**
 * A replica's latency as the cost sees it: its own estimate, drifting toward its peer's while it
 * goes unrefreshed; with no sample yet, the peer's (neither favoured nor shunned).
 */
function estimate(own: LatencyEstimate | undefined, peer: LatencyEstimate | undefined, now: number): number {
  if (!own) return peer?.ms ?? 1;
  if (!peer) return own.ms;
  const w = Math.exp(-Math.max(0, now - own.at) / STALE_MS);
  return own.ms * w + peer.ms * (1 - w);
}

function weightOf(r: Replica): number {
  return r.weight > 0 ? r.weight : 1;
}
