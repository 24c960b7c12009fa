/**
 * The control-plane API's request and response bodies as the client sees them. The SDK may import
 * only src/core, so these are declared here; test/client-openapi.test.ts checks that they match the
 * server's own types and that every operation is in the served /api/v1/openapi.json.
 */

export type PolicyName = 'round-robin' | 'least-request' | 'affinity';

export type Phase = 'Pending' | 'Running' | 'Updating' | 'Degraded' | 'CrashLooping' | 'ScaledToZero' | 'Stopped';

export interface AutoscalingSpec {
  minReplicas: number;
  maxReplicas: number;
  /** Average ongoing (in-flight + queued) requests per replica the autoscaler aims for. */
  targetOngoing: number;
  upscaleDelayMs: number;
  downscaleDelayMs: number;
  lookbackMs: number;
}

export interface DeploymentSpec {
  name: string;
  /** `name@version`, resolved when the deployment is created or updated. */
  photon: string;
  replicas: number;
  policy: PolicyName;
  affinity?: { header?: string; cookie?: string };
  autoscaling?: AutoscalingSpec;
  /** Anyone may call it through the gateway; default false (an infer:<name> or admin token is needed). */
  public?: boolean;
  /** Secret names passed to replicas as environment variables. */
  secrets?: string[];
  /** A second revision taking `weight` percent of the requests, while one runs. */
  canary?: Canary;
}

/** Roll the canary back by itself when, over `windowMs`, it breaks a limit. */
export interface CanaryGate {
  /** Share of 5xx answers, 0..1. */
  maxErrorRate?: number;
  maxP99Ms?: number;
  windowMs: number;
  /** Fewer canary requests than this in the window decide nothing. */
  minRequests: number;
}

export interface Canary {
  photon: string;
  weight: number;
  replicas: number;
  gate?: CanaryGate;
}

export interface ReplicaStatus {
  id: string;
  state: string;
  photon: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  startedAt: string | null;
}

/** A replica as `GET /deployments/{name}/replicas` lists it: with the gateway's view of it. */
export interface ReplicaInfo extends ReplicaStatus {
  inFlight: number;
  /** The gateway routes to it (healthy). */
  routed: boolean;
}

export interface DeploymentStatus {
  phase: Phase;
  desiredReplicas: number;
  readyReplicas: number;
  photon: string;
  message: string;
  replicas: ReplicaStatus[];
}

export interface Deployment {
  spec: DeploymentSpec;
  status: DeploymentStatus;
  createdAt: string;
  updatedAt: string;
  /** Path of its predict/infer routes on the server, e.g. `/deployments/mnist`. */
  endpoint: string;
  /** While a canary runs: each revision, with its share and the last minute at the gateway. */
  revisions?: RevisionInfo[];
}

export interface RevisionInfo {
  revision: string;
  photon: string;
  weight: number;
  readyReplicas: number;
  desiredReplicas: number;
  lastMinute: { requests: number; errors: number; errorRate: number; p99Ms: number } | null;
  replicas?: ReplicaStatus[];
}

/** `POST /deployments`: what to run; the server fills the documented defaults. */
export interface DeploymentCreate {
  name: string;
  /** NAME or NAME@VERSION. */
  photon: string;
  replicas?: number;
  policy?: PolicyName;
  affinity?: { header?: string; cookie?: string };
  autoscaling?: Partial<AutoscalingSpec>;
  public?: boolean;
  secrets?: string[];
}

/** `PATCH /deployments/{name}`: only what changes; `autoscaling: null` turns it off. */
export interface DeploymentUpdate {
  photon?: string;
  replicas?: number;
  policy?: PolicyName;
  affinity?: { header?: string; cookie?: string };
  autoscaling?: Partial<AutoscalingSpec> | null;
  public?: boolean;
  /** Replaces the list (empty clears it). */
  secrets?: string[];
  /** Start a canary (weight default 10, replicas default 1); null rolls it back. */
  canary?: { photon: string; weight?: number; replicas?: number; gate?: Partial<CanaryGate> } | null;
  /** A new share for the running canary. */
  canaryWeight?: number;
  /** Make the canary the only revision. */
  promote?: true;
}

export interface LogSlice {
  replica: string;
  text: string;
  /** Offset to pass next time to continue. */
  next: number;
  size: number;
}

export interface Photon {
  name: string;
  version: string;
  sha256: string;
  bytes: number;
  created: string;
  registeredAt: string;
}

export interface PlatformEvent {
  id: number;
  ts: string;
  deployment: string | null;
  replica: string | null;
  type: string;
  message: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  scopes: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: 'active' | 'expired' | 'revoked';
  /** Requests/s in force at the gateway; null = unlimited. */
  rateLimit: number | null;
  /** `token`: the token's own limit; `default`: the server's default for tokens without one. */
  rateLimitSource: 'token' | 'default';
}

/** The answer to `POST /tokens`: the token text, shown only this once. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

export interface TokenCreate {
  name: string;
  /** `admin`, `deploy`, `read`, `infer:<deployment>`; a comma-separated string or a list. */
  scopes: string | string[];
  /** Lifetime such as `30d`, `12h`; none = never expires. */
  expires?: string;
  /** Requests/s at the gateway; null = unlimited; absent = the server's default (none for admin tokens). */
  rateLimit?: number | null;
}

export interface KeyRotation {
  keyId: string;
  photons: number;
  secrets: number;
}

/** One second of a deployment in the console's metrics history (rates per second, latency in ms). */
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

/** `GET /deployments/{name}/history`: the last 15 minutes, one point a second, oldest first. */
export interface DeploymentHistory {
  deployment: string;
  intervalMs: number;
  points: HistoryPoint[];
  replicas: Record<string, ReplicaPoint[]>;
}

/** One request in a deployment's recent-requests ring buffer. */
export interface RequestRecord {
  t: number;
  method: string;
  path: string;
  /** 0 when the client left before an answer. */
  status: number;
  ms: number;
  replica: string | null;
  /** Rows of the engine batch that computed the answer; null when the replica did not say. */
  batch: number | null;
  revision: string;
  aborted: boolean;
}

/** One sample of the live stream: the newest point of every deployment. */
export interface MetricsSample {
  t: number;
  deployments: Record<string, HistoryPoint>;
}
