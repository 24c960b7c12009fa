/**
 * The jobs API under `/api/v1/jobs`: submit, list, inspect, logs (JSON, or a server-sent-event
 * stream that ends only after the final line and the terminal state), per-epoch metrics, cancel,
 * remove, artifacts. Each route declares its scope (`read` to look, `deploy` to change) and its
 * schemas, so it is authorised like every front-door route and shows in the OpenAPI document.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type RouteScope } from '../core/route-scope.js';
import { ERROR, EPOCH_POINT, ID_PARAMS, JOB, LOG_LINE, LOGS_QUERY, SUBMIT_BODY } from './api-schemas.js';
import { type JobEvent, type JobService, type SubmitRequest } from './service.js';
import { isTerminal, type JobRecord, type LogLine } from './types.js';

export const JOBS_PREFIX = '/api/v1/jobs';

type IdReq = FastifyRequest<{ Params: { id: string } }>;
type LogsReq = FastifyRequest<{ Params: { id: string }; Querystring: { since?: number; limit?: number; follow?: string } }>;

/** Route options: scope, OpenAPI operation id (the typed client's name for it, src/client/jobs.ts), summary, schemas. */
function route(scope: RouteScope, operationId: string, summary: string, schema: Record<string, unknown>, ok: Record<string, unknown> = JOB, status = 200): { config: { scope: RouteScope }; schema: Record<string, unknown> } {
  return { config: { scope }, schema: { operationId, tags: ['jobs'], summary, ...schema, response: { [status]: ok, '4xx': ERROR } } };
}

export function registerJobsApi(app: FastifyInstance, jobs: JobService): void {
  app.post(JOBS_PREFIX, route('deploy', 'jobs.submit', 'Submit a job (arguments are checked before it is queued)', { body: SUBMIT_BODY }, JOB, 201), async (req, reply) => {
    const job = jobs.submit(req.body as SubmitRequest);
    return reply.code(201).header('location', `${JOBS_PREFIX}/${job.id}`).send(job);
  });

  const list = { type: 'object', properties: { jobs: { type: 'array', items: JOB } } };
  app.get(JOBS_PREFIX, route('read', 'jobs.list', 'List jobs, oldest first', {}, list), async () => ({ jobs: jobs.list() }));

  app.get(`${JOBS_PREFIX}/:id`, route('read', 'jobs.get', 'A job: state, steps, metrics, result', { params: ID_PARAMS }), async (req: IdReq) => jobs.get(req.params.id));

  const logs = { type: 'object', properties: { lines: { type: 'array', items: LOG_LINE }, state: { type: 'string' }, lastSeq: { type: 'integer' } } };
  app.get(`${JOBS_PREFIX}/:id/logs`, route('read', 'jobs.logs', 'Log lines after ?since=SEQ; ?follow=1 streams them as server-sent events until the job ends', { params: ID_PARAMS, querystring: LOGS_QUERY }, logs), async (req: LogsReq, reply) => {
    const { id } = req.params;
    const since = req.query.since ?? 0;
    if (req.query.follow === '1' || req.query.follow === 'true') return follow(jobs, id, since, req, reply);
    const lines = jobs.logs(id, since, req.query.limit);
    return { lines, state: jobs.get(id).state, lastSeq: lines.at(-1)?.seq ?? since };
  });

  const metrics = { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, epochs: { type: 'array', items: EPOCH_POINT }, steps: JOB.properties.steps, result: JOB.properties.result } };
  app.get(`${JOBS_PREFIX}/:id/metrics`, route('read', 'jobs.metrics', 'Per-epoch loss and accuracy as the job reports them, and each step’s metrics', { params: ID_PARAMS }, metrics), async (req: IdReq) => {
    const j = jobs.get(req.params.id);
    return { id: j.id, state: j.state, epochs: j.metrics, steps: j.steps, result: j.result };
  });

  app.post(`${JOBS_PREFIX}/:id/cancel`, route('deploy', 'jobs.cancel', 'Cancel: SIGTERM to the job’s process group, SIGKILL after a grace period; ends cancelled', { params: ID_PARAMS }), async (req: IdReq) => jobs.cancel(req.params.id));

  const removed = { type: 'object', properties: { removed: { type: 'string' } } };
  app.delete(`${JOBS_PREFIX}/:id`, route('deploy', 'jobs.remove', 'Remove an ended job with its log and artifacts', { params: ID_PARAMS }, removed), async (req: IdReq) => {
    jobs.remove(req.params.id);
    return { removed: req.params.id };
  });

  const artifacts = { type: 'object', properties: { artifacts: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, bytes: { type: 'integer' } } } } } };
  app.get(`${JOBS_PREFIX}/:id/artifacts`, route('read', 'jobs.artifacts', 'The files the job wrote', { params: ID_PARAMS }, artifacts), async (req: IdReq) => ({ artifacts: jobs.artifacts(req.params.id) }));

  const file = { type: 'string', format: 'binary' };
  app.get(`${JOBS_PREFIX}/:id/artifacts/*`, route('read', 'jobs.artifact', 'Download one artifact', { params: { type: 'object', properties: { id: ID_PARAMS.properties.id, '*': { type: 'string' } } } }, file), async (req: FastifyRequest<{ Params: { id: string; '*': string } }>, reply) => {
    const path = jobs.artifactPath(req.params.id, req.params['*']);
    return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="${basename(path)}"`).send(createReadStream(path));
  });
}

/**
 * The follow stream: subscribe first, then send the stored lines after `since`, then the live ones
 * (skipping any already sent), then `event: end` with the terminal job. Each line's `id:` is its
 * sequence number, so a client resumes with `?since=<last id>`.
 */
function follow(jobs: JobService, id: string, since: number, req: FastifyRequest, reply: FastifyReply): void {
  jobs.get(id); // 404 before the stream starts
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let last = since;
  let ended = false;
  const buffered: JobEvent[] = [];
  let live = false;
  const sendLine = (l: LogLine): void => {
    if (l.seq <= last) return;
    last = l.seq;
    res.write(`id: ${l.seq}\nevent: line\ndata: ${JSON.stringify(l)}\n\n`);
  };
  const end = (job: JobRecord): void => {
    if (ended) return;
    ended = true;
    for (const l of jobs.logs(id, last)) sendLine(l); // anything written between the last event and the end
    res.end(`event: end\ndata: ${JSON.stringify(job)}\n\n`);
    stop();
  };
  const onEvent = (e: JobEvent): void => {
    if (!live) {
      buffered.push(e);
      return;
    }
    if (e.type === 'line') sendLine(e.line);
    else end(e.job);
  };
  const unsubscribe = jobs.subscribe(id, onEvent);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  ping.unref();
  const stop = (): void => {
    clearInterval(ping);
    unsubscribe();
  };
  req.raw.on('close', () => {
    if (!ended) stop();
  });
  for (const l of jobs.logs(id, since)) sendLine(l);
  live = true;
  for (const e of buffered.splice(0)) onEvent(e);
  if (ended) return;
  const job = jobs.get(id);
  if (isTerminal(job.state)) end(job);
}
