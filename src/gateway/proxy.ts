/**
 * Forward one client request to a replica of a route: buffer the body, pick a replica, send it
 * over the replica's keep-alive pool, stream the answer back. Failures before the response starts
 * (refused, reset, a 503 from a draining replica) are retried on a different replica while the
 * retry budget and the request's deadline allow.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { LeptonError } from '../core/errors.js';
import { downstreamHeaders, readBody, sendError, upstreamHeaders } from './http-util.js';
import { type GatewayMetrics } from './metrics.js';
import { type Member } from './member.js';
import { type Route } from './route.js';

/** Error codes that mean the request never reached a replica's handler, so resending is safe. */
const RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** Answers up to this size are buffered instead of streamed. */
const SMALL_BODY = 64 * 1024;

export function isRetryableError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/** Per-request time budget: the route's default, shortened by an `x-lepton-timeout-ms` header. */
function timeoutOf(req: IncomingMessage, route: Route): number {
  const raw = req.headers['x-lepton-timeout-ms'];
  const asked = typeof raw === 'string' ? Number(raw) : NaN;
  const max = route.options.requestTimeoutMs;
  return Number.isFinite(asked) && asked > 0 ? Math.min(asked, max) : max;
}

export async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  path: string,
  metrics: GatewayMetrics,
): Promise<void> {
  const start = performance.now();
  const deadline = Date.now() + timeoutOf(req, route);
  const deployment = route.name;
  let body: Buffer | undefined;
  try {
    body = await readBody(req, route.options.maxBodyBytes);
  } catch (err) {
    sendError(res, err);
    return;
  }
  const headers = upstreamHeaders(req);
  const pickRequest = { headers: req.headers, exclude: new Set<string>() };
  // No AbortController per request: it is a measurable share of the hot path, and an inference
  // whose client left simply finishes on the replica and is dropped here.
  route.budget.recordRequest();

  for (let attempt = 1; ; attempt++) {
    let member: Member;
    try {
      member = await route.acquire(pickRequest, deadline);
    } catch (err) {
      sendError(res, err);
      return;
    }
    const t0 = performance.now();
    const remaining = deadline - Date.now();
    let retryReason = '';
    try {
      if (remaining <= 0) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'request deadline passed before a replica answered');
      const up = await member.pool.request({
        method: req.method as 'GET',
        path,
        headers,
        body: body ?? null,
        headersTimeout: remaining,
        bodyTimeout: remaining,
      });
      const status = up.statusCode;
      // A 503 means the replica refused before doing work (draining, not ready): try another.
      if (status === 503 && canRetry(attempt, route, deadline)) {
        await up.body.dump().catch(() => {});
        route.release(member, false, performance.now() - t0);
        retryReason = 'unavailable';
      } else {
        const done = (err: unknown): void => {
          route.release(member, !err && status < 500, performance.now() - t0);
          member.countRequest(err ? 'aborted' : status, (performance.now() - start) / 1000);
        };
        const length = Number(up.headers['content-length'] ?? NaN);
        if (length <= SMALL_BODY) {
          // Small answers (predictions) are read whole and written in one go: far cheaper than a pipeline.
          const buf = Buffer.from(await up.body.arrayBuffer());
          res.writeHead(status, downstreamHeaders(up.headers));
          res.end(buf);
          done(undefined);
        } else {
          res.writeHead(status, downstreamHeaders(up.headers));
          pipeline(up.body, res, done);
        }
        return;
      }
    } catch (err) {
      route.release(member, false, performance.now() - t0);
      if (res.headersSent || res.destroyed) {
        res.destroy(); // failed mid-answer: nothing clean can be sent any more
        return;
      }
      if (isRetryableError(err) && canRetry(attempt, route, deadline)) {
        retryReason = 'connect_or_reset';
      } else {
        const e = upstreamError(err, deployment);
        member.countRequest(e.status, (performance.now() - start) / 1000);
        sendError(res, e);
        return;
      }
    }
    pickRequest.exclude.add(member.id);
    metrics.retries.inc({ deployment, reason: retryReason });
  }
}

function canRetry(attempt: number, route: Route, deadline: number): boolean {
  return attempt < route.options.maxAttempts && Date.now() < deadline && route.budget.tryRetry();
}

function upstreamError(err: unknown, deployment: string): LeptonError {
  if (err instanceof LeptonError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `deployment '${deployment}' did not answer within the deadline`);
  }
  return new LeptonError('LEPTON_ERR_UPSTREAM', `replica of deployment '${deployment}' failed: ${String(code ?? 'error')}`, {
    cause: err,
  });
}
