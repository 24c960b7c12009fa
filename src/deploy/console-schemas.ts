/**
 * OpenAPI schemas of the console's data routes (issue 18): the metrics history per deployment, the
 * recent requests ring buffer, and the live stream. They document what console-routes.ts answers,
 * so scripts (and the typed client, src/client/) can use the same JSON the console does.
 */
type Schema = Record<string, unknown>;

const num = { type: 'number' };
const nnum = { type: 'number', nullable: true };
const int = { type: 'integer' };
const ERRORS = { '4xx': { $ref: 'Error#' }, '5xx': { $ref: 'Error#' } };

const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', properties, required });

/** One second of a deployment: rates per second, latency percentiles in ms (null: no request that second). */
const HISTORY_POINT = obj({
  t: int, rps: num, errors4xx: num, errors5xx: num, p50: nnum, p95: nnum, p99: nnum, inFlight: num, queued: num, desired: num, ready: num,
});
const REPLICA_POINT = obj({ t: int, rps: num, errors5xx: num, p50: nnum, p95: nnum, p99: nnum, inFlight: num });

export const NAME_PARAMS = { type: 'object', properties: { name: { type: 'string', description: 'deployment name' } }, required: ['name'] };

export const HISTORY_RESPONSE = {
  200: obj({
    deployment: { type: 'string' },
    intervalMs: int,
    points: { type: 'array', items: HISTORY_POINT, description: 'oldest first, one a second, the last 15 minutes' },
    replicas: { type: 'object', additionalProperties: { type: 'array', items: REPLICA_POINT }, description: 'replica id → its points' },
  }),
  ...ERRORS,
};

export const REQUESTS_QUERY = { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'at most this many, newest first' } }, additionalProperties: false };

const REQUEST_RECORD = obj({
  t: { type: 'integer', description: 'start, ms since the epoch' },
  method: { type: 'string' },
  path: { type: 'string' },
  status: { type: 'integer', description: '0 when the client left before an answer' },
  ms: { type: 'number', description: 'gateway time, ms' },
  replica: { type: 'string', nullable: true },
  batch: { type: 'integer', nullable: true, description: 'rows of the engine batch that computed the answer (x-lepton-batch-size)' },
  revision: { type: 'string' },
  aborted: { type: 'boolean' },
});

export const REQUESTS_RESPONSE = {
  200: obj({ deployment: { type: 'string' }, capacity: int, requests: { type: 'array', items: REQUEST_RECORD } }),
  ...ERRORS,
};

export const STREAM_QUERY = { type: 'object', properties: { once: { type: 'string', enum: ['1', 'true'], description: 'send the newest sample and end (for scripts)' } }, additionalProperties: false };

export const STREAM_RESPONSE = {
  200: {
    description: 'server-sent events: `event: sample` with `data: {"t": ms, "deployments": {name: point}}` every second',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  },
  ...ERRORS,
};
