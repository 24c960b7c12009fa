/**
 * JSON schemas of the control-plane API: request parts that the routes validate (openapi.ts
 * compiles them) and the answers they document. The limits come from spec.ts and src/secure, so
 * the schema and the hand-written checks with their precise messages cannot drift apart silently
 * (api-schemas.test.ts holds them against each other). `/api/v1/openapi.json` is generated from these.
 */
import { POLICY_NAMES } from '../gateway/types.js';
import { SECRET_NAME_PATTERN } from '../secure/names.js';
import { MAX_RATE_LIMIT, TOKEN_NAME_PATTERN } from '../secure/tokens.js';
import {
  AFFINITY_KEY_PATTERN, DEPLOYMENT_NAME, MAX_DELAY_MS, MAX_REPLICAS, MAX_SECRETS, PHOTON_REF_PATTERN, TARGET_ONGOING_RANGE,
} from './spec.js';

type Schema = Record<string, unknown>;

const int = (minimum: number, maximum: number, description?: string): Schema => ({ type: 'integer', minimum, maximum, ...(description ? { description } : {}) });
const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema =>
  ({ type: 'object', properties, ...(required.length > 0 ? { required } : {}), ...extra });
/** A request object: unknown fields are refused, as spec.ts refuses them. */
const closed = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => obj(properties, required, { additionalProperties: false, ...extra });
const ref = (id: string): Schema => ({ $ref: `${id}#` });

// ---- request parts (validated) ----

const affinity = closed({
  header: str('request header carrying the affinity key (default x-session-id)', { pattern: AFFINITY_KEY_PATTERN.source }),
  cookie: str('cookie carrying the affinity key', { pattern: AFFINITY_KEY_PATTERN.source }),
});

const autoscaling = closed({
  minReplicas: int(0, MAX_REPLICAS, 'fewest replicas; 0 allows scale to zero (default 1)'),
  maxReplicas: int(1, MAX_REPLICAS, 'most replicas (default max(minReplicas, 1))'),
  targetOngoing: { type: 'number', minimum: TARGET_ONGOING_RANGE[0], maximum: TARGET_ONGOING_RANGE[1], description: 'average in-flight + queued requests per replica to aim for (default 2)' },
  upscaleDelayMs: int(0, MAX_DELAY_MS, 'demand must stay above the current size this long before scaling up (default 5000)'),
  downscaleDelayMs: int(0, MAX_DELAY_MS, 'demand must stay below the current size this long before scaling down (default 60000)'),
  lookbackMs: int(0, MAX_DELAY_MS, 'window the average is taken over (default 10000, at least 100)'),
}, [], { description: 'scale on ongoing requests per replica' });

const specFields: Record<string, Schema> = {
  photon: str('photon NAME or NAME@VERSION (the latest version when none is given)', { pattern: PHOTON_REF_PATTERN.source }),
  replicas: int(0, MAX_REPLICAS, 'replica count (default 1, or autoscaling.minReplicas); kept within the autoscaling bounds'),
  policy: { type: 'string', enum: [...POLICY_NAMES], description: 'load-balancing policy (default least-request)' },
  affinity,
  autoscaling,
  public: { type: 'boolean', description: 'anyone may call it through the gateway, no token (default false)' },
  secrets: {
    type: 'array', maxItems: MAX_SECRETS, description: 'secret names passed to replicas as environment variables (not PATH, HOME, NODE_*, LEPTON_*, LD_*)',
    items: str('a secret name', { pattern: SECRET_NAME_PATTERN.source }),
  },
};

export const DEPLOYMENT_CREATE = closed({
  name: str('deployment name: lowercase letters, digits and inner dashes, 1-63 characters', { pattern: DEPLOYMENT_NAME.source }),
  ...specFields,
}, ['name', 'photon']);

const canary = closed({
  photon: str('the canary photon NAME or NAME@VERSION', { pattern: PHOTON_REF_PATTERN.source }),
  weight: int(0, 100, 'percent of requests sent to the canary (default 10)'),
  replicas: int(1, MAX_REPLICAS, 'canary replicas (default 1)'),
  gate: closed({
    maxErrorRate: { type: 'number', minimum: 0, maximum: 1, description: 'roll back when the share of 5xx answers is above this' },
    maxP99Ms: { type: 'number', minimum: 1, maximum: 600_000, description: 'roll back when the p99 (ms, at the gateway) is above this' },
    windowMs: int(1000, 3_600_000, 'window the gate looks at (default 30000)'),
    minRequests: int(1, 1_000_000, 'fewer canary requests than this in the window decide nothing (default 20)'),
  }, [], { description: 'automatic rollback; give maxErrorRate or maxP99Ms' }),
}, ['photon'], { description: 'a second revision taking a share of the traffic' });

export const DEPLOYMENT_PATCH = closed({
  ...specFields,
  canary: nullable(canary),
  canaryWeight: int(0, 100, 'a new share (percent) for the running canary'),
  promote: { type: 'boolean', enum: [true], description: 'make the canary the only revision (a rolling update with no failed requests)' },
  autoscaling: nullable(autoscaling),
  secrets: { ...specFields['secrets'], description: 'replaces the list (empty clears it); values are re-read, so replicas roll if they changed' },
}, [], { minProperties: 1, description: 'only the fields that change; autoscaling null turns it off' });

export const TOKEN_CREATE = closed({
  name: str('a label shown in lists and the audit log', { pattern: TOKEN_NAME_PATTERN.source }),
  scopes: {
    anyOf: [str('comma-separated scopes'), { type: 'array', items: { type: 'string' } }],
    description: 'admin, deploy, read or infer:<deployment>, as a comma-separated string or a list',
  },
  expires: str('lifetime such as 30d, 12h, 15m, 45s (default: never)'),
  rateLimit: nullable({
    type: 'number', exclusiveMinimum: 0, maximum: MAX_RATE_LIMIT,
    description: "requests/s at the gateway (burst 2 s worth); null = unlimited; absent = the server's default (none for admin tokens)",
  }),
}, ['name', 'scopes']);

export const SECRET_SET = closed({ value: str('the secret value; it is never returned') }, ['value']);

/** An archive body: bytes, checked by openapi.ts's validator (JSON Schema has no Buffer type). */
export const ARCHIVE = { type: 'string', format: 'binary', description: 'a packed photon archive (lep photon create makes one)' };
export const ARCHIVE_TYPES = ['application/octet-stream', 'application/gzip', 'application/x-gzip', 'application/x-tar'];

export const NAME_PARAMS = closed({ name: str('deployment name') }, ['name']);
export const PHOTON_PARAMS = closed({
  name: str('photon name', { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }),
  version: str('photon version', { pattern: '^[0-9a-z.-]{1,64}$' }),
}, ['name', 'version']);
export const SECRET_PARAMS = closed({ name: str('secret name: letters, digits and _, not starting with a digit') }, ['name']);
export const TOKEN_PARAMS = closed({ id: str('token id: 12 hex digits (see GET /tokens)') }, ['id']);

export const LOGS_QUERY = obj({
  replica: str('one replica id (default: every replica)', { pattern: '^[a-z0-9][a-z0-9-]{0,80}$' }),
  offset: int(0, Number.MAX_SAFE_INTEGER, 'byte offset to read from (the `next` of an earlier answer); default: the last `limit` bytes'),
  limit: int(1, 4 * 1024 * 1024, 'most bytes per replica (default 65536)'),
});

export const EVENTS_QUERY = obj({
  deployment: str('only this deployment', { pattern: '^[a-z0-9][a-z0-9-]{0,80}$' }),
  since: int(0, Number.MAX_SAFE_INTEGER, 'only events after this id'),
  limit: int(1, 1000, 'most events, the newest (default 100)'),
});

// ---- answers (documented; shared components, referenced by id) ----

const replicaFields: Record<string, Schema> = {
  id: str('replica id, also the x-lepton-replica header of its answers'),
  state: str('starting, ready, draining, stopped, …'),
  photon: str('photon NAME@VERSION it runs'),
  pid: nullable({ type: 'integer' }),
  port: nullable({ type: 'integer' }),
  restarts: { type: 'integer' },
  startedAt: nullable(str('ISO time')),
};
const replicaRequired = ['id', 'state', 'photon', 'pid', 'port', 'restarts', 'startedAt'];

/** Shared schemas, registered with `app.addSchema`: they become `components.schemas` of the document. */
export const COMPONENTS: Schema[] = [
  {
    $id: 'Error', ...obj({
      error: obj({
        code: str('stable LEPTON_ERR_* code; it decides the HTTP status'),
        message: str('what went wrong and what to do'),
        details: { type: 'object', additionalProperties: true, description: 'facts to act on, e.g. the field' },
      }, ['code', 'message']),
    }, ['error']),
  },
  {
    $id: 'DeploymentSpec', ...obj({
      name: { type: 'string' },
      ...specFields,
      photon: str('NAME@VERSION, resolved when created or updated'),
      autoscaling: obj(Object.fromEntries(Object.entries(autoscaling['properties'] as Record<string, Schema>)), ['minReplicas', 'maxReplicas', 'targetOngoing', 'upscaleDelayMs', 'downscaleDelayMs', 'lookbackMs']),
      canary: obj(canary['properties'] as Record<string, Schema>, ['photon', 'weight', 'replicas'], { description: 'the second revision and its share, while one runs' }),
    }, ['name', 'photon', 'replicas', 'policy']),
  },
  { $id: 'Replica', ...obj(replicaFields, replicaRequired) },
  {
    $id: 'DeploymentStatus', ...obj({
      phase: { type: 'string', enum: ['Pending', 'Running', 'Updating', 'Degraded', 'CrashLooping', 'ScaledToZero', 'Stopped'] },
      desiredReplicas: { type: 'integer' },
      readyReplicas: { type: 'integer' },
      photon: { type: 'string' },
      message: str('why it is not Running, when it is not'),
      replicas: { type: 'array', items: ref('Replica') },
    }, ['phase', 'desiredReplicas', 'readyReplicas', 'photon', 'message', 'replicas']),
  },
  {
    $id: 'Deployment', ...obj({
      spec: ref('DeploymentSpec'),
      status: ref('DeploymentStatus'),
      createdAt: str('ISO time'),
      updatedAt: str('ISO time'),
      endpoint: str('path of its predict and OIP routes, e.g. /deployments/mnist'),
      revisions: {
        type: 'array', description: 'while a canary runs: each revision, its share and its last minute at the gateway',
        items: obj({
          revision: str('stable or canary'),
          photon: str('NAME@VERSION'),
          weight: int(0, 100, 'percent of requests'),
          readyReplicas: { type: 'integer' },
          desiredReplicas: { type: 'integer' },
          lastMinute: nullable(obj({
            requests: { type: 'integer' }, errors: { type: 'integer', description: '5xx answers' }, errorRate: { type: 'number' }, p99Ms: { type: 'number' },
          }, ['requests', 'errors', 'errorRate', 'p99Ms'])),
          replicas: { type: 'array', items: ref('Replica'), description: "the canary's own replicas" },
        }, ['revision', 'photon', 'weight', 'readyReplicas', 'desiredReplicas', 'lastMinute']),
      },
    }, ['spec', 'status', 'createdAt', 'updatedAt', 'endpoint']),
  },
  {
    $id: 'ReplicaLoad', ...obj({
      ...replicaFields,
      inFlight: { type: 'integer', description: 'requests the gateway has in flight to it' },
      routed: { type: 'boolean', description: 'the gateway routes to it (healthy)' },
    }, [...replicaRequired, 'inFlight', 'routed']),
  },
  {
    $id: 'Photon', ...obj({
      name: { type: 'string' }, version: { type: 'string' }, sha256: { type: 'string' }, bytes: { type: 'integer' },
      created: str('ISO time it was packed'), registeredAt: str('ISO time the platform first saw it'),
    }, ['name', 'version', 'sha256', 'bytes', 'created', 'registeredAt']),
  },
  {
    $id: 'LogSlice', ...obj({
      replica: { type: 'string' }, text: { type: 'string' },
      next: { type: 'integer', description: 'offset to ask for next (follow)' }, size: { type: 'integer', description: 'log size in bytes' },
    }, ['replica', 'text', 'next', 'size']),
  },
  {
    $id: 'Event', ...obj({
      id: { type: 'integer' }, ts: str('ISO time'), deployment: nullable({ type: 'string' }), replica: nullable({ type: 'string' }),
      type: str('created, scaled, replica-ready, …'), message: { type: 'string' },
    }, ['id', 'ts', 'deployment', 'replica', 'type', 'message']),
  },
  {
    $id: 'Token', ...obj({
      id: str('12 hex digits, also inside the token text'),
      name: { type: 'string' },
      scopes: { type: 'array', items: { type: 'string' } },
      createdAt: { type: 'integer', description: 'epoch ms' },
      expiresAt: nullable({ type: 'integer', description: 'epoch ms' }),
      lastUsedAt: nullable({ type: 'integer', description: 'epoch ms' }),
      revokedAt: nullable({ type: 'integer', description: 'epoch ms' }),
      status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
      rateLimit: nullable({ type: 'number', description: 'requests/s in force at the gateway; null = unlimited' }),
      rateLimitSource: { type: 'string', enum: ['token', 'default'], description: "token: its own limit; default: the server's" },
    }, ['id', 'name', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt', 'status', 'rateLimit', 'rateLimitSource']),
  },
];

const list = (key: string, items: Schema): Schema => obj({ [key]: { type: 'array', items } }, [key]);
const errors = { '4xx': ref('Error'), '5xx': ref('Error') };

/** Response schemas per route, by status. */
export const RESPONSES = {
  deployments: { 200: list('deployments', ref('Deployment')), ...errors },
  deployment: { 200: ref('Deployment'), ...errors },
  created: { 201: ref('Deployment'), ...errors },
  updated: { 202: ref('Deployment'), ...errors },
  removed: { 200: obj({ removed: { type: 'string' } }, ['removed']), ...errors },
  replicas: { 200: list('replicas', ref('ReplicaLoad')), ...errors },
  logs: { 200: list('logs', ref('LogSlice')), ...errors },
  photons: { 200: list('photons', ref('Photon')), ...errors },
  photon: { 201: ref('Photon'), ...errors },
  events: { 200: list('events', ref('Event')), ...errors },
  tokens: { 200: list('tokens', ref('Token')), ...errors },
  token: { 201: { allOf: [ref('Token'), obj({ token: str('the token text, shown only now: send it as Authorization: Bearer <token>') }, ['token'])] }, ...errors },
  revoked: { 200: obj({ revoked: { type: 'string' } }, ['revoked']), ...errors },
  secrets: { 200: obj({ secrets: { type: 'array', items: { type: 'string' } } }, ['secrets']), ...errors },
  secret: { 200: obj({ name: { type: 'string' } }, ['name']), ...errors },
  rotated: { 200: obj({ keyId: { type: 'string' }, photons: { type: 'integer' }, secrets: { type: 'integer' } }, ['keyId', 'photons', 'secrets']), ...errors },
} satisfies Record<string, Record<string, Schema>>;
