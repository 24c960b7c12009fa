/**
 * JSON schemas of the jobs API: fastify validates requests with them and the control plane's
 * OpenAPI document is generated from them. The job schema keeps unknown properties, so a field
 * added to JobRecord is never dropped by the serializer before this file learns about it.
 */

const STEP = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] },
    startedAt: { type: ['string', 'null'] },
    endedAt: { type: ['string', 'null'] },
    seconds: { type: ['number', 'null'] },
    metrics: { type: 'object', additionalProperties: true },
    reason: { type: ['string', 'null'] },
  },
} as const;

export const EPOCH_POINT = {
  type: 'object',
  additionalProperties: true,
  properties: {
    step: { type: 'string' },
    epoch: { type: 'integer' },
    epochs: { type: 'integer' },
    loss: { type: 'number' },
    accuracy: { type: 'number' },
    testAccuracy: { type: ['number', 'null'] },
  },
} as const;

export const JOB = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    args: { type: 'array', items: { type: 'string' } },
    threads: { type: 'integer' },
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    endedAt: { type: ['string', 'null'] },
    exitCode: { type: ['integer', 'null'] },
    reason: { type: ['string', 'null'] },
    steps: { type: 'array', items: STEP },
    metrics: { type: 'array', items: EPOCH_POINT },
    result: { type: 'object', additionalProperties: true },
    pgid: { type: ['integer', 'null'] },
  },
} as const;

export const SUBMIT_BODY = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', description: 'train | compress | optimize | pipeline' },
    name: { type: 'string', description: 'a label for the job (default: the kind)' },
    args: { type: 'array', items: { type: 'string' }, description: 'the flags of the matching lep command, e.g. ["--dataset", "mnist", "--epochs", "3"]' },
    resources: { type: 'object', additionalProperties: false, properties: { threads: { type: 'integer', minimum: 1 } } },
  },
} as const;

export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
} as const;

export const LOGS_QUERY = {
  type: 'object',
  properties: {
    since: { type: 'integer', minimum: 0, description: 'return lines after this sequence number' },
    limit: { type: 'integer', minimum: 1, maximum: 100000 },
    follow: { type: 'string', enum: ['0', '1', 'true', 'false'], description: '1: a server-sent-event stream that ends after the final line and the terminal state' },
  },
} as const;

export const LOG_LINE = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    ts: { type: 'string' },
    stream: { type: 'string', enum: ['stdout', 'stderr', 'system'] },
    line: { type: 'string' },
  },
} as const;

export const ERROR = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, additionalProperties: true } },
} as const;
