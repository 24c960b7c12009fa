/**
 * Forward one client request to a replica of a route: buffer the body, pick a replica, send it
 * over the replica's keep-alive pool with a raw undici dispatch handler (no intermediate streams or
 * promises per chunk), and write the answer straight to the client with backpressure. Failures
 * before the response starts (refused, reset, a 503 from a draining replica) are retried on a
 * different replica while the retry budget and the request's deadline allow.
 */
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Dispatcher } from 'undici';
import { LeptonError } from '../core/errors.js';
import { sendError } from '../core/http-errors.js';
import { downstreamHeaders, readBody, upstreamHeaders } from './http-util.js';
import { type GatewayMetrics } from './metrics.js';
import { type Member } from './member.js';
import { BATCH_HEADER, parseBatchHeader, type RequestTrace } from './request-log.js';
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

export function isRetryableError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/** The header a client shortens its deadline with, and the gateway forwards the remaining budget in. */
export const TIMEOUT_HEADER = 'x-lepton-timeout-ms';

/**
 * Per-request time budget, ms: the route's default deadline, or a shorter one the client asks for
 * in `x-lepton-timeout-ms` (a positive integer ≤ the default; anything else is a 400, so a typo
 * never silently means "30 s").
 */
export function timeoutOf(headers: IncomingMessage['headers'], max: number): number {
  const raw = headers[TIMEOUT_HEADER];
  if (raw === undefined) return max;
  const asked = typeof raw === 'string' && /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(asked >= 1 && asked <= max)) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `${TIMEOUT_HEADER} must be a whole number of milliseconds from 1 to ${max} (the default deadline)`, {
      details: { header: TIMEOUT_HEADER, max },
    });
  }
  return asked;
}

/**
 * How one attempt ended. `started` means bytes already reached the client: no retry possible.
 * `serviceMs` is the replica's own time (its `server-timing: app;dur=…`), when it sent one.
 */
type Outcome = { kind: 'done'; status: number; serviceMs: number | undefined } | { kind: 'unavailable' } | { kind: 'failed'; err: Error; started: boolean };

/** `app;dur=1.25` from a model server's `server-timing` header, ms. */
export function serviceTimeMs(header: string | string[] | undefined): number | undefined {
  const m = typeof header === 'string' ? /(?:^|,)\s*app;dur=([0-9.]+)/.exec(header) : null;
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** One attempt on one replica, streamed straight into `res`. */
function attempt(
  member: Member,
  options: Dispatcher.DispatchOptions,
  res: ServerResponse,
  mayRetry503: () => boolean,
  trace: RequestTrace | undefined,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let status = 0;
    let started = false;
    let skipping = false;
    let serviceMs: number | undefined;
    member.pool.dispatch(options, {
      onRequestStart() {},
      onResponseStart(controller, statusCode: number, headers: IncomingHttpHeaders) {
        status = statusCode;
        // A 503 means the replica refused before doing work (draining, not ready): try another.
        if (statusCode === 503 && mayRetry503()) {
          skipping = true;
          return;
        }
        started = true;
        serviceMs = serviceTimeMs(headers['server-timing']);
        if (trace) {
          trace.replica = member.id;
          trace.batch = parseBatchHeader(headers[BATCH_HEADER]);
        }
        if (res.destroyed) return controller.abort(new LeptonError('LEPTON_ERR_UPSTREAM', 'client went away'));
        res.writeHead(statusCode, downstreamHeaders(headers));
        res.once('close', () => {
          if (!res.writableFinished) controller.abort(new LeptonError('LEPTON_ERR_UPSTREAM', 'client went away'));
        });
      },
      onResponseData(controller, chunk: Buffer) {
        if (skipping) return;
        if (res.destroyed) return controller.abort(new LeptonError('LEPTON_ERR_UPSTREAM', 'client went away'));
        if (!res.write(chunk)) {
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      },
      onResponseEnd() {
        if (skipping) return resolve({ kind: 'unavailable' });
        res.end();
        resolve({ kind: 'done', status, serviceMs });
      },
      onResponseError(_controller, err: Error) {
        if (started) res.destroy();
        resolve({ kind: 'failed', err, started });
      },
    });
  });
}

export async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  path: string,
  metrics: GatewayMetrics,
  trace?: RequestTrace,
): Promise<void> {
  const start = performance.now();
  const deployment = route.name;
  let deadline: number;
  let body: Buffer | undefined;
  try {
    deadline = Date.now() + timeoutOf(req.headers, route.options.requestTimeoutMs);
    body = await readBody(req, route.options.maxBodyBytes);
  } catch (err) {
    sendError(res, err);
    return;
  }
  const headers = upstreamHeaders(req);
  const pickRequest = { headers: req.headers, exclude: new Set<string>() };
  route.budget.recordRequest();

  for (let attemptNo = 1; ; attemptNo++) {
    let member: Member;
    try {
      member = await route.acquire(pickRequest, deadline);
    } catch (err) {
      sendError(res, err);
      return;
    }
    const t0 = performance.now();
    const remaining = Math.floor(deadline - Date.now());
    if (remaining <= 0) {
      route.release(member, undefined, 0);
      sendError(res, new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'request deadline passed before a replica answered'));
      return;
    }
    // The replica gets what is left of the budget, so its batcher drops work that can no longer finish.
    headers[TIMEOUT_HEADER] = String(remaining);
    const outcome = await attempt(
      member,
      { method: req.method as 'POST', path, headers, body: body ?? null, headersTimeout: remaining, bodyTimeout: remaining },
      res,
      () => canRetry(attemptNo, route, deadline),
      trace,
    );
    const latency = performance.now() - t0;
    if (outcome.kind === 'done') {
      // A 504 is the request's deadline passing (the replica dropped work it could not finish): not the replica's fault.
      route.release(member, outcome.status === 504 ? undefined : outcome.status < 500, latency, outcome.serviceMs);
      member.countRequest(outcome.status, (performance.now() - start) / 1000);
      return;
    }
    // A client that hung up says nothing about the replica: free the slot without blaming it, or
    // every burst of disconnects (a load test ending) would eject healthy replicas.
    route.release(member, res.destroyed ? undefined : false, latency);
    let reason: string;
    if (outcome.kind === 'unavailable') reason = 'unavailable';
    else if (outcome.started || res.destroyed) {
      member.countRequest('aborted', (performance.now() - start) / 1000);
      return; // failed mid-answer, or the client left: nothing clean can be sent
    } else if (isRetryableError(outcome.err) && canRetry(attemptNo, route, deadline)) reason = 'connect_or_reset';
    else {
      const e = upstreamError(outcome.err, deployment);
      member.countRequest(e.status, (performance.now() - start) / 1000);
      sendError(res, e);
      return;
    }
    pickRequest.exclude.add(member.id);
    metrics.retries.inc({ deployment, reason });
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
