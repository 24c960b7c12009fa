/**
 * Deployment spec and status types, their documented defaults, and validation of API bodies with
 * messages a user can act on (the API's JSON schemas, api-schemas.ts, are built from the same
 * limits). The spec is what the user asked for; the status is what runs.
 */
import { MODEL_NAME_PATTERN, RESOURCE_NAME_PATTERN, toResourceName } from '../core/names.js';
import { invalidArgument } from '../core/errors.js';
import { isPolicyName, POLICY_NAMES, type PolicyName } from '../gateway/types.js';
import { isValidName } from '../secure/names.js';

/** Deployment names follow the platform-wide resource name rule (src/core/names.ts). */
export const DEPLOYMENT_NAME = RESOURCE_NAME_PATTERN;

export interface AutoscalingSpec {
  minReplicas: number;
  maxReplicas: number;
  /** Average ongoing (in-flight + queued) requests per replica the autoscaler aims for. */
  targetOngoing: number;
  /** Demand must stay above the current size this long before scaling up. */
  upscaleDelayMs: number;
  /** Demand must stay below the current size this long before scaling down (and to zero). */
  downscaleDelayMs: number;
  /** Window the ongoing-request average is taken over. */
  lookbackMs: number;
}

/** Autoscaler defaults (documented in the README). */
export const AUTOSCALING_DEFAULTS: Omit<AutoscalingSpec, 'minReplicas' | 'maxReplicas'> = {
  targetOngoing: 2,
  upscaleDelayMs: 5_000,
  downscaleDelayMs: 60_000,
  lookbackMs: 10_000,
};

export interface DeploymentSpec {
  name: string;
  /** `name@version`, resolved when the deployment is created or updated. */
  photon: string;
  replicas: number;
  policy: PolicyName;
  /** Affinity key: header (default x-session-id) or cookie. */
  affinity?: { header?: string; cookie?: string };
  autoscaling?: AutoscalingSpec;
  /** Anyone may call it through the gateway (`--public`); default false: an infer:<name> or admin token is required. */
  public?: boolean;
  /** Secret names passed to replicas as environment variables (values never stored here). */
  secrets?: string[];
  /** A second revision taking `weight` percent of the traffic (issue 19): promote or roll it back. */
  canary?: CanarySpec;
}

/** The automatic canary gate: roll the canary back when, over `windowMs`, it breaks a limit. */
export interface CanaryGate {
  /** Largest share of server errors (5xx) the canary may answer, 0..1. */
  maxErrorRate?: number;
  /** Largest p99 latency (ms, at the gateway) the canary may have. */
  maxP99Ms?: number;
  windowMs: number;
  /** Fewer canary requests than this in the window decide nothing. */
  minRequests: number;
}

export interface CanarySpec {
  /** `name@version`, resolved like the deployment's photon. */
  photon: string;
  /** Whole percent of requests sent to the canary. */
  weight: number;
  replicas: number;
  gate?: CanaryGate;
}

export const CANARY_DEFAULTS = { weight: 10, replicas: 1, windowMs: 30_000, minRequests: 20 } as const;

export type Phase = 'Pending' | 'Running' | 'Updating' | 'Degraded' | 'CrashLooping' | 'ScaledToZero' | 'Stopped';

export interface ReplicaStatus {
  id: string;
  state: string;
  photon: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  startedAt: string | null;
}

export interface DeploymentStatus {
  phase: Phase;
  desiredReplicas: number;
  readyReplicas: number;
  photon: string;
  message: string;
  replicas: ReplicaStatus[];
}

export const MAX_REPLICAS = 64;
/** `photon` in a spec: NAME or NAME@VERSION (the model-name rule, then a version). */
export const PHOTON_REF_PATTERN = new RegExp(`^${MODEL_NAME_PATTERN.source.replace(/^\^|\$$/g, '')}(@[0-9a-z.-]{1,64})?$`);
/** An affinity header or cookie name: an HTTP token. */
export const AFFINITY_KEY_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Autoscaling delays and windows, ms. */
export const MAX_DELAY_MS = 3_600_000;
export const TARGET_ONGOING_RANGE = [0.1, 10_000] as const;
export const MAX_SECRETS = 32;

type Body = Record<string, unknown>;

function asObject(raw: unknown, what: string): Body {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidArgument(`${what} must be a JSON object`);
  return raw as Body;
}

function checkKeys(body: Body, allowed: string[], what: string): void {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw invalidArgument(`${what}: unknown field '${k}'; allowed: ${allowed.join(', ')}`, { field: k });
  }
}

function intIn(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw invalidArgument(`'${field}' must be an integer from ${lo} to ${hi}`, { field });
  }
  return v;
}

function numIn(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw invalidArgument(`'${field}' must be a number from ${lo} to ${hi}`, { field });
  }
  return v;
}

function photonRef(v: unknown): string {
  if (typeof v !== 'string' || !PHOTON_REF_PATTERN.test(v)) {
    throw invalidArgument(`'photon' must be NAME or NAME@VERSION, e.g. mnist@1`, { field: 'photon' });
  }
  return v;
}

function policy(v: unknown): PolicyName {
  if (!isPolicyName(v)) throw invalidArgument(`'policy' must be one of ${POLICY_NAMES.join(', ')}`, { field: 'policy' });
  return v;
}

function affinity(v: unknown): DeploymentSpec['affinity'] {
  const o = asObject(v, "'affinity'");
  checkKeys(o, ['header', 'cookie'], "'affinity'");
  const out: NonNullable<DeploymentSpec['affinity']> = {};
  for (const k of ['header', 'cookie'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'string' || !AFFINITY_KEY_PATTERN.test(o[k])) throw invalidArgument(`'affinity.${k}' must be a header/cookie name`, { field: `affinity.${k}` });
    out[k] = o[k];
  }
  return out;
}

/** Validate `autoscaling`, filling defaults; `base` supplies existing values on PATCH. */
function autoscaling(v: unknown, base?: AutoscalingSpec): AutoscalingSpec {
  const o = asObject(v, "'autoscaling'");
  const keys = ['minReplicas', 'maxReplicas', 'targetOngoing', 'upscaleDelayMs', 'downscaleDelayMs', 'lookbackMs'];
  checkKeys(o, keys, "'autoscaling'");
  const minReplicas = o['minReplicas'] === undefined ? (base?.minReplicas ?? 1) : intIn(o['minReplicas'], 'autoscaling.minReplicas', 0, MAX_REPLICAS);
  const maxReplicas = o['maxReplicas'] === undefined ? (base?.maxReplicas ?? Math.max(minReplicas, 1)) : intIn(o['maxReplicas'], 'autoscaling.maxReplicas', 1, MAX_REPLICAS);
  if (maxReplicas < minReplicas) throw invalidArgument(`'autoscaling.maxReplicas' (${maxReplicas}) is below minReplicas (${minReplicas})`, { field: 'autoscaling.maxReplicas' });
  const d = { ...AUTOSCALING_DEFAULTS, ...base };
  const ms = (k: 'upscaleDelayMs' | 'downscaleDelayMs' | 'lookbackMs'): number =>
    o[k] === undefined ? d[k] : intIn(o[k], `autoscaling.${k}`, 0, MAX_DELAY_MS);
  return {
    minReplicas,
    maxReplicas,
    targetOngoing: o['targetOngoing'] === undefined ? d.targetOngoing : numIn(o['targetOngoing'], 'autoscaling.targetOngoing', ...TARGET_ONGOING_RANGE),
    upscaleDelayMs: ms('upscaleDelayMs'),
    downscaleDelayMs: ms('downscaleDelayMs'),
    lookbackMs: Math.max(100, ms('lookbackMs')),
  };
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw invalidArgument(`'${field}' must be true or false`, { field });
  return v;
}

/** Names a secret may not take: they would override how the replica itself starts. */
export const RESERVED_ENV = /^(PATH|HOME|NODE_.*|LEPTON_.*|LD_.*)$/;

function secretNames(v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_SECRETS) throw invalidArgument(`'secrets' must be an array of at most ${MAX_SECRETS} secret names`, { field: 'secrets' });
  for (const n of v) {
    if (!isValidName('secret', n)) throw invalidArgument(`'secrets': ${JSON.stringify(String(n).slice(0, 40))} is not a secret name (letters, digits, _; not starting with a digit)`, { field: 'secrets' });
    if (RESERVED_ENV.test(n)) throw invalidArgument(`'secrets': ${n} would override the replica's own environment; choose another name`, { field: 'secrets' });
  }
  return [...new Set(v as string[])];
}

/** Validate a `POST /deployments` body into a full spec (photon still unresolved). */
export function parseCreate(raw: unknown): DeploymentSpec {
  const b = asObject(raw, 'request body');
  checkKeys(b, ['name', 'photon', 'replicas', 'policy', 'affinity', 'autoscaling', 'public', 'secrets'], 'request body');
  // the strict shared pattern (no trailing dash), so every name also works as an `infer:<name>` scope
  if (typeof b['name'] !== 'string' || !DEPLOYMENT_NAME.test(b['name']) || !isValidName('deployment', b['name'])) {
    // Deployment names are DNS labels (scopes, Kubernetes); a photon's name may not be one: suggest the converted form.
    const hint = typeof b['name'] === 'string' && b['name'] !== '' ? `; try '${toResourceName(b['name'])}'` : '';
    throw invalidArgument(`'name' must be lowercase letters, digits and dashes (1-63 chars), e.g. mnist${hint}`, { field: 'name' });
  }
  if (b['photon'] === undefined) throw invalidArgument(`'photon' is required (NAME or NAME@VERSION)`, { field: 'photon' });
  const spec: DeploymentSpec = {
    name: b['name'],
    photon: photonRef(b['photon']),
    replicas: 1,
    policy: b['policy'] === undefined ? 'least-request' : policy(b['policy']),
  };
  if (b['affinity'] !== undefined) spec.affinity = affinity(b['affinity']);
  if (b['autoscaling'] !== undefined) spec.autoscaling = autoscaling(b['autoscaling']);
  if (b['public'] !== undefined) spec.public = bool(b['public'], 'public');
  if (b['secrets'] !== undefined) spec.secrets = secretNames(b['secrets']);
  const dflt = spec.autoscaling ? Math.max(spec.autoscaling.minReplicas, 1) : 1;
  spec.replicas = b['replicas'] === undefined ? dflt : intIn(b['replicas'], 'replicas', 0, MAX_REPLICAS);
  clampToAutoscaling(spec);
  return spec;
}

export interface DeploymentPatch {
  photon?: string;
  replicas?: number;
  policy?: PolicyName;
  affinity?: DeploymentSpec['affinity'];
  autoscaling?: AutoscalingSpec | null;
  public?: boolean;
  /** Replaces the list (empty clears it); values are re-read, and replicas roll if they changed. */
  secrets?: string[];
  /** Start (or replace) the canary; null rolls it back. */
  canary?: CanarySpec | null;
  /** A new share for the running canary. */
  canaryWeight?: number;
  /** Make the canary the only revision. */
  promote?: true;
}

function canaryGate(v: unknown): CanaryGate {
  const o = asObject(v, "'canary.gate'");
  checkKeys(o, ['maxErrorRate', 'maxP99Ms', 'windowMs', 'minRequests'], "'canary.gate'");
  if (o['maxErrorRate'] === undefined && o['maxP99Ms'] === undefined) throw invalidArgument("'canary.gate' needs maxErrorRate or maxP99Ms", { field: 'canary.gate' });
  return {
    ...(o['maxErrorRate'] === undefined ? {} : { maxErrorRate: numIn(o['maxErrorRate'], 'canary.gate.maxErrorRate', 0, 1) }),
    ...(o['maxP99Ms'] === undefined ? {} : { maxP99Ms: numIn(o['maxP99Ms'], 'canary.gate.maxP99Ms', 1, 600_000) }),
    windowMs: o['windowMs'] === undefined ? CANARY_DEFAULTS.windowMs : intIn(o['windowMs'], 'canary.gate.windowMs', 1000, 3_600_000),
    minRequests: o['minRequests'] === undefined ? CANARY_DEFAULTS.minRequests : intIn(o['minRequests'], 'canary.gate.minRequests', 1, 1_000_000),
  };
}

function canary(v: unknown): CanarySpec {
  const o = asObject(v, "'canary'");
  checkKeys(o, ['photon', 'weight', 'replicas', 'gate'], "'canary'");
  if (o['photon'] === undefined) throw invalidArgument("'canary.photon' is required (NAME or NAME@VERSION)", { field: 'canary.photon' });
  return {
    photon: photonRef(o['photon']),
    weight: o['weight'] === undefined ? CANARY_DEFAULTS.weight : intIn(o['weight'], 'canary.weight', 0, 100),
    replicas: o['replicas'] === undefined ? CANARY_DEFAULTS.replicas : intIn(o['replicas'], 'canary.replicas', 1, MAX_REPLICAS),
    ...(o['gate'] === undefined ? {} : { gate: canaryGate(o['gate']) }),
  };
}

/** Validate a `PATCH /deployments/{name}` body against the current spec. */
export function parsePatch(raw: unknown, current: DeploymentSpec): DeploymentPatch {
  const b = asObject(raw, 'request body');
  checkKeys(b, ['photon', 'replicas', 'policy', 'affinity', 'autoscaling', 'public', 'secrets', 'canary', 'canaryWeight', 'promote'], 'request body');
  if (Object.keys(b).length === 0) throw invalidArgument('nothing to update: give photon, replicas, policy, affinity, autoscaling, public, secrets, canary, canaryWeight or promote');
  const p: DeploymentPatch = {};
  if (b['photon'] !== undefined) p.photon = photonRef(b['photon']);
  if (b['replicas'] !== undefined) p.replicas = intIn(b['replicas'], 'replicas', 0, MAX_REPLICAS);
  if (b['policy'] !== undefined) p.policy = policy(b['policy']);
  if (b['affinity'] !== undefined) p.affinity = affinity(b['affinity']);
  if (b['autoscaling'] === null) p.autoscaling = null;
  else if (b['autoscaling'] !== undefined) p.autoscaling = autoscaling(b['autoscaling'], current.autoscaling);
  if (b['public'] !== undefined) p.public = bool(b['public'], 'public');
  if (b['secrets'] !== undefined) p.secrets = secretNames(b['secrets']);
  if (b['canary'] === null) {
    if (!current.canary) throw invalidArgument("'canary': null rolls a canary back, and the deployment has none", { field: 'canary' });
    p.canary = null;
  }
  else if (b['canary'] !== undefined) p.canary = canary(b['canary']);
  if (b['canaryWeight'] !== undefined) {
    p.canaryWeight = intIn(b['canaryWeight'], 'canaryWeight', 0, 100);
    if (!current.canary && !p.canary) throw invalidArgument("'canaryWeight': the deployment has no canary; start one with canary: {photon, weight}", { field: 'canaryWeight' });
  }
  if (b['promote'] !== undefined) {
    if (b['promote'] !== true) throw invalidArgument("'promote' must be true", { field: 'promote' });
    if (!current.canary) throw invalidArgument("'promote': the deployment has no canary to promote", { field: 'promote' });
    if (b['canary'] !== undefined || b['photon'] !== undefined) throw invalidArgument("'promote' goes alone, without photon or canary", { field: 'promote' });
    p.promote = true;
  }
  if (p.photon !== undefined && (current.canary || p.canary)) {
    throw invalidArgument("'photon' cannot change while a canary runs: promote or roll back the canary first", { field: 'photon' });
  }
  return p;
}

/** Keep `replicas` inside [min, max] when autoscaling is on. */
export function clampToAutoscaling(spec: DeploymentSpec): void {
  const a = spec.autoscaling;
  if (a) spec.replicas = Math.min(a.maxReplicas, Math.max(a.minReplicas, spec.replicas));
}
