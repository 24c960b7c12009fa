/**
 * A deployment's phase as a pure function of its replica counts and its recent restart history.
 * Crash looping is read from the history, not from what the supervisor happens to be doing this
 * instant, so the phase no longer flips to Degraded each time a crashed replica is relaunched in
 * its backoff: a deployment is CrashLooping once `threshold` replica deaths fell within `windowMs`
 * of each other since a replica last stayed ready for `stableMs`, and it stays so (while it has
 * fewer ready replicas than it wants) until one has been ready that long again.
 */
import { type Phase } from './spec.js';

export interface CrashLoopPolicy {
  /** Deaths within `windowMs` that make a deployment crash-looping. */
  threshold: number;
  windowMs: number;
  /** Readiness held this long proves the deployment healthy again. */
  stableMs: number;
}

/** A ready span of one replica: `until` is null while it is still ready. */
export interface ReadySpan {
  since: number;
  until: number | null;
}

export interface RestartHistorySnapshot {
  /** When replicas died unexpectedly (ms), oldest first. */
  crashes: readonly number[];
  readySpans: readonly ReadySpan[];
}

/** The last moment a replica had been ready for `stableMs` without a break; -Infinity if never. */
export function lastStableAt(h: RestartHistorySnapshot, now: number, stableMs: number): number {
  let at = -Infinity;
  for (const s of h.readySpans) {
    const end = s.until ?? now;
    if (end - s.since >= stableMs && end > at) at = end;
  }
  return at;
}

/** True when `threshold` deaths since the last stable readiness (its own end included) fell within `windowMs`. */
export function isCrashLooping(h: RestartHistorySnapshot, now: number, p: CrashLoopPolicy): boolean {
  const since = lastStableAt(h, now, p.stableMs);
  const c = h.crashes.filter((t) => t >= since && t <= now);
  const n = Math.max(1, p.threshold);
  for (let i = 0; i + n - 1 < c.length; i++) if (c[i + n - 1]! - c[i]! <= p.windowMs) return true;
  return false;
}

export interface PhaseInput {
  closed: boolean;
  /** A rolling update is under way (or replicas of an older revision still run). */
  updating: boolean;
  desired: number;
  /** Replicas that exist (any state). */
  replicas: number;
  ready: number;
  /** Something went wrong short of a crash loop: a failed reconcile, a restart. */
  troubled: boolean;
  history: RestartHistorySnapshot;
  now: number;
  policy: CrashLoopPolicy;
}

export function phaseOf(i: PhaseInput): Phase {
  if (i.closed) return 'Stopped';
  if (i.ready < i.desired && isCrashLooping(i.history, i.now, i.policy)) return 'CrashLooping';
  if (i.updating) return 'Updating';
  if (i.desired === 0 && i.replicas === 0) return 'ScaledToZero';
  if (i.ready >= i.desired) return 'Running';
  if (i.troubled) return 'Degraded';
  return 'Pending';
}

/** Bounded record of one deployment's deaths and ready spans, kept by its controller. */
export class RestartHistory {
  private static readonly MAX_CRASHES = 256;
  private crashes: number[] = [];
  private readonly open = new Map<string, number>();
  /** The best stable span among those that ended (one is enough to know the last stable moment). */
  private stable: ReadySpan | undefined;

  constructor(private readonly stableMs: number) {}

  ready(id: string, t: number): void {
    if (!this.open.has(id)) this.open.set(id, t);
  }

  /** A replica stopped being ready (it died or was stopped). */
  down(id: string, t: number): void {
    const since = this.open.get(id);
    if (since === undefined) return;
    this.open.delete(id);
    if (t - since >= this.stableMs && (this.stable === undefined || t > this.stable.until!)) this.stable = { since, until: t };
  }

  /** A replica died unexpectedly at `t`. */
  crash(id: string, t: number): void {
    this.down(id, t);
    this.crashes.push(t);
    if (this.crashes.length > RestartHistory.MAX_CRASHES) this.crashes.splice(0, this.crashes.length - RestartHistory.MAX_CRASHES);
  }

  snapshot(): RestartHistorySnapshot {
    const readySpans: ReadySpan[] = [...this.open.values()].map((since) => ({ since, until: null }));
    if (this.stable) readySpans.push(this.stable);
    return { crashes: [...this.crashes], readySpans };
  }
}
