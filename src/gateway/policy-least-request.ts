/**
 * Least-request by the power of two choices (what Envoy's LEAST_REQUEST and Ray Serve do): sample
 * two eligible replicas at random and send to the one with fewer in-flight requests per unit of
 * weight. Hand-written: it routes on the gateway's own live in-flight counts, which nothing
 * outside the gateway knows, and P2C avoids the herding a global "least" pick causes.
 */
import { Rng } from '../core/rng.js';
import { type PickRequest, type Policy, type Replica, isEligible } from './types.js';

export class LeastRequestPolicy implements Policy {
  readonly name = 'least-request' as const;
  private readonly scratch: Replica[] = [];

  constructor(private readonly rng: Rng = new Rng(Date.now() >>> 0)) {}

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
    const la = a.inFlight / (a.weight > 0 ? a.weight : 1);
    const lb = b.inFlight / (b.weight > 0 ? b.weight : 1);
    if (la !== lb) return la < lb ? a : b;
    // Tie (typically both idle): split in proportion to weight so weights hold at low load too.
    const wa = a.weight > 0 ? a.weight : 1;
    const wb = b.weight > 0 ? b.weight : 1;
    return this.rng.next() * (wa + wb) < wa ? a : b;
  }

  onStart(): void {}
  onDone(): void {}
}
