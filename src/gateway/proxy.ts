/**
 * Forward one client request to a replica of a route: buffer the body, pick a replica, send it
 * over the replica's keep-alive pool with undici's raw dispatch handler, and write the answer
 * straight to the client with backpressure. Failures before the response starts (refused, reset, a
 * 503 from a draining replica) are retried on a different replica while the retry budget and the
 * request's deadline allow.
 *
 * The hot path is one `Forward` object per request and no promise unless the request must queue
 * (issue 20: the gateway's CPU per request is what caps its req/s on a shared 2-core box). It is
 * undici's legacy handler (onConnect/onHeaders/onData/onComplete/onError): the newer
 * controller-style hooks are wrapped by undici in an adapter that parses every response header
 * into an object first; here the raw header buffers are read once and passed on as a flat list.
 * The body is buffered, not streamed: a retry must resend it, and a model request's body (a few KB)
 * arrives in one chunk, where buffering is one listener pair and streaming would be undici's stream
 * pump per request.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Dispatcher } from 'undici';
import { LeptonError } from '../core/errors.js';
import { sendError } from '../core/http-errors.js';
import { HOP_BY_HOP, tooLarge, upstreamHeaders } from './http-util.js';
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

/** `app;dur=1.25` from a model server's `server-timing` header, ms. */
export function serviceTimeMs(header: string | string[] | undefined): number | undefined {
  const m = typeof header === 'string' ? /(?:^|,)\s*app;dur=([0-9.]+)/.exec(header) : null;
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

const CLIENT_GONE = 'client went away';
const EMPTY = Buffer.alloc(0);

/**
 * The request's Forward, kept on its IncomingMessage and ServerResponse so the stream listeners
 * below are shared module functions (an emitter calls a listener with itself as `this`), not five
 * new closures per request.
 */
const FORWARD = Symbol('lepton.forward');
type Carrier = { [FORWARD]?: Forward };
function onBodyData(this: Carrier, c: Buffer): void {
  this[FORWARD]!.bodyData(c);
}
function onBodyEnd(this: Carrier): void {
  this[FORWARD]!.bodyEnd();
}
function onBodyError(this: Carrier, e: Error): void {
  this[FORWARD]!.bodyError(e);
}
function onClientClose(this: Carrier): void {
  this[FORWARD]!.clientClose();
}
function onDrain(this: Carrier): void {
  this[FORWARD]!.drain();
}

/** One request through the gateway: its body, its attempts, and (as undici's handler) the current attempt's answer. */
class Forward implements Dispatcher.DispatchHandler {
  private readonly start = performance.now();
  private deadline = 0;
  private body: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;
  private headers: Record<string, string | string[]> | undefined;
  private exclude: Set<string> | undefined;
  private attemptNo = 0;
  // The attempt in flight (one at a time: a retry starts only after the last one ended).
  private member: Member | undefined;
  private t0 = 0;
  private status = 0;
  private started = false;
  private skipping = false;
  private serviceMs: number | undefined;
  private abortUpstream: ((err: Error) => void) | undefined;
  private resume: (() => void) | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: Route,
    private readonly path: string,
    private readonly metrics: GatewayMetrics,
    private readonly trace: RequestTrace | undefined,
  ) {}

  run(): void {
    const { req, route } = this;
    try {
      this.deadline = Date.now() + timeoutOf(req.headers, route.options.requestTimeoutMs);
      const limit = route.options.maxBodyBytes;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limit) throw tooLarge(limit);
      if ((req.method === 'GET' || req.method === 'HEAD') && !req.headers['transfer-encoding'] && declared === 0) {
        this.begin();
        return;
      }
    } catch (err) {
      sendError(this.res, err);
      return;
    }
    (req as Carrier)[FORWARD] = this;
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
  }

  /** Buffer the body up to the route's limit (a retry resends it). Called by the request's listeners. */
  bodyData(c: Buffer): void {
    this.size += c.length;
    const limit = this.route.options.maxBodyBytes;
    if (this.size > limit) {
      this.req.removeListener('data', onBodyData);
      this.req.removeListener('end', onBodyEnd);
      this.req.resume();
      sendError(this.res, tooLarge(limit));
      return;
    }
    if (this.body === null) this.body = c;
    else (this.chunks ??= [this.body]).push(c);
  }

  bodyEnd(): void {
    if (this.chunks !== null) this.body = Buffer.concat(this.chunks);
    else if (this.body === null) this.body = EMPTY;
    this.begin();
  }

  bodyError(e: Error): void {
    this.req.removeListener('end', onBodyEnd);
    sendError(this.res, new LeptonError('LEPTON_ERR_INVALID_INPUT', `request body aborted: ${e.message}`));
  }

  private begin(): void {
    this.headers = upstreamHeaders(this.req);
    this.route.budget.recordRequest();
    this.next();
  }

  /** Reserve a replica (now, or after waiting in the route's queue) and send an attempt to it. */
  private next(): void {
    this.attemptNo++;
    let m: Member | Promise<Member>;
    try {
      m = this.route.acquire({ headers: this.req.headers, exclude: this.exclude }, this.deadline);
    } catch (err) {
      sendError(this.res, err);
      return;
    }
    if (m instanceof Promise) m.then((x) => this.send(x), (err: unknown) => sendError(this.res, err));
    else this.send(m);
  }

  private send(member: Member): void {
    const remaining = Math.floor(this.deadline - Date.now());
    if (remaining <= 0) {
      this.route.release(member, undefined, 0);
      sendError(this.res, new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'request deadline passed before a replica answered'));
      return;
    }
    this.member = member;
    this.t0 = performance.now();
    this.status = 0;
    this.started = false;
    this.skipping = false;
    this.serviceMs = undefined;
    this.abortUpstream = undefined;
    // The replica gets what is left of the budget, so its batcher drops work that can no longer finish.
    this.headers![TIMEOUT_HEADER] = String(remaining);
    member.pool.dispatch(
      { method: this.req.method as 'POST', path: this.path, headers: this.headers, body: this.body, headersTimeout: remaining, bodyTimeout: remaining },
      this,
    );
  }

  // ---- undici's handler for the attempt in flight ----

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    this.status = statusCode;
    // A 503 means the replica refused before doing work (draining, not ready): try another.
    if (statusCode === 503 && this.canRetry()) {
      this.skipping = true;
      return true;
    }
    const res = this.res;
    this.started = true;
    if (res.destroyed) {
      this.abortUpstream?.(new LeptonError('LEPTON_ERR_UPSTREAM', CLIENT_GONE));
      return false;
    }
    // Pass the headers on as a flat [name, value, …] list, minus hop-by-hop ones (content-length
    // is kept), reading the two the gateway itself uses on the way.
    const out: string[] = [];
    let timing: string | undefined;
    let timingSeen = 0;
    let batch: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toString('latin1');
      const lower = name.toLowerCase();
      if (lower !== 'content-length' && HOP_BY_HOP.has(lower)) continue;
      const value = raw[i + 1]!.toString('latin1');
      if (lower === 'server-timing') {
        timing = value;
        timingSeen++;
      } else if (lower === BATCH_HEADER) batch = value;
      out.push(name, value);
    }
    // A repeated server-timing is ambiguous: no service time rather than a guess.
    this.serviceMs = timingSeen === 1 ? serviceTimeMs(timing) : undefined;
    if (this.trace) {
      this.trace.replica = this.member!.id;
      this.trace.batch = parseBatchHeader(batch);
    }
    this.resume = resume;
    res.writeHead(statusCode, out);
    (res as Carrier)[FORWARD] = this;
    // 'close' is emitted once: `on` spares the wrapper `once` allocates.
    res.on('close', onClientClose);
    return true;
  }

  clientClose(): void {
    if (!this.res.writableFinished) this.abortUpstream?.(new LeptonError('LEPTON_ERR_UPSTREAM', CLIENT_GONE));
  }

  drain(): void {
    this.resume?.();
  }

  onData(chunk: Buffer): boolean {
    if (this.skipping) return true;
    const res = this.res;
    if (res.destroyed) {
      this.abortUpstream?.(new LeptonError('LEPTON_ERR_UPSTREAM', CLIENT_GONE));
      return false;
    }
    if (res.write(chunk)) return true;
    res.once('drain', onDrain);
    return false;
  }

  onComplete(): void {
    if (this.skipping) return this.unavailable();
    this.res.end();
    const member = this.member!;
    // A 504 is the request's deadline passing (the replica dropped work it could not finish): not the replica's fault.
    this.route.release(member, this.status === 504 ? undefined : this.status < 500, performance.now() - this.t0, this.serviceMs);
    member.countRequest(this.status, (performance.now() - this.start) / 1000);
  }

  onError(err: Error): void {
    const res = this.res;
    if (this.started) res.destroy();
    const member = this.member!;
    // A client that hung up says nothing about the replica: free the slot without blaming it, or
    // every burst of disconnects (a load test ending) would eject healthy replicas.
    this.route.release(member, res.destroyed ? undefined : false, performance.now() - this.t0);
    if (this.started || res.destroyed) {
      member.countRequest('aborted', (performance.now() - this.start) / 1000);
      return; // failed mid-answer, or the client left: nothing clean can be sent
    }
    if (isRetryableError(err) && this.canRetry()) return this.retry('connect_or_reset');
    const e = upstreamError(err, this.route.name);
    member.countRequest(e.status, (performance.now() - this.start) / 1000);
    sendError(res, e);
  }

  /** The replica answered 503 (draining, not ready) and its body is drained: try another. */
  private unavailable(): void {
    this.route.release(this.member!, this.res.destroyed ? undefined : false, performance.now() - this.t0);
    if (this.res.destroyed) return;
    this.retry('unavailable');
  }

  private retry(reason: string): void {
    (this.exclude ??= new Set()).add(this.member!.id);
    this.metrics.retries.inc({ deployment: this.route.name, reason });
    this.next();
  }

  private canRetry(): boolean {
    return this.attemptNo < this.route.options.maxAttempts && Date.now() < this.deadline && this.route.budget.tryRetry();
  }
}

export function proxy(req: IncomingMessage, res: ServerResponse, route: Route, path: string, metrics: GatewayMetrics, trace?: RequestTrace): void {
  new Forward(req, res, route, path, metrics, trace).run();
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
