/**
 * The gateway's shared vocabulary: a routable replica, what a policy sees of a request, and the
 * `Policy` interface every load-balancing strategy implements (pick + onStart/onDone load hooks).
 */

/** One upstream replica as the gateway routes to it. Mutable counters are owned by the gateway. */
export interface Replica {
  /** Stable id (the control plane's replica id); also the metrics label. */
  readonly id: string;
  /** Origin such as `http://127.0.0.1:40123`. */
  readonly origin: string;
  /** Relative weight for weighted policies; default 1. */
  weight: number;
  /** Requests the gateway has sent to it that have not finished. */
  inFlight: number;
  /** False while active health checks fail, while ejected, or while draining. */
  healthy: boolean;
  /** Per-replica concurrency cap: at `inFlight >= capacity` it takes no new request. */
  capacity: number;
}

/** Whether a policy may send this request to `r` now. Every policy filters with this. */
export function isEligible(r: Replica, request: PickRequest): boolean {
  return r.healthy && r.inFlight < r.capacity && !(request.exclude?.has(r.id) ?? false);
}

/** What a policy may look at when choosing. Kept tiny so policies stay testable without HTTP. */
export interface PickRequest {
  /** Lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Replicas already tried by this request (retries must go elsewhere). */
  exclude?: ReadonlySet<string>;
}

/**
 * A load-balancing strategy. `pick` chooses among the deployment's members `replicas`, skipping any that
 * are not `isEligible` (unhealthy, excluded, at their cap), and returns undefined when none fits.
 * `onStart`/`onDone` bracket each proxied request so load-aware policies can track it.
 */
export interface Policy {
  readonly name: PolicyName;
  pick(request: PickRequest, replicas: readonly Replica[]): Replica | undefined;
  onStart(replica: Replica): void;
  onDone(replica: Replica, outcome: { ok: boolean; latencyMs: number }): void;
  /** The replica set changed (added, removed, health flipped); rebuild any cached structure. */
  onMembershipChange?(replicas: readonly Replica[]): void;
}

export const POLICY_NAMES = ['round-robin', 'least-request', 'affinity'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(v: unknown): v is PolicyName {
  return typeof v === 'string' && (POLICY_NAMES as readonly string[]).includes(v);
}
