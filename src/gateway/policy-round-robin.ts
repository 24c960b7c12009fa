/**
 * Weighted round-robin, the "smooth" variant nginx uses: every pick adds each replica's weight to
 * its running score and takes the highest, so a 2:1 pair goes A B A A B A, never A A B bursts.
 * Hand-written because the rotation must know our health and cap state; no library does that.
 */
import { type PickRequest, type Policy, type Replica, isEligible } from './types.js';

export class RoundRobinPolicy implements Policy {
  readonly name = 'round-robin' as const;
  /** Running score per replica id (nginx's `current_weight`). */
  private readonly current = new Map<string, number>();

  pick(request: PickRequest, replicas: readonly Replica[]): Replica | undefined {
    let best: Replica | undefined;
    let bestScore = -Infinity;
    let total = 0;
    for (const r of replicas) {
      if (!isEligible(r, request)) continue;
      const w = r.weight > 0 ? r.weight : 1;
      const score = (this.current.get(r.id) ?? 0) + w;
      this.current.set(r.id, score);
      total += w;
      if (score > bestScore) {
        bestScore = score;
        best = r;
      }
    }
    if (best) this.current.set(best.id, bestScore - total);
    return best;
  }

  onStart(): void {}
  onDone(): void {}

  onMembershipChange(replicas: readonly Replica[]): void {
    // Forget departed replicas so a returning id starts fresh instead of with a stale score.
    const ids = new Set(replicas.map((r) => r.id));
    for (const id of this.current.keys()) if (!ids.has(id)) this.current.delete(id);
  }
}
