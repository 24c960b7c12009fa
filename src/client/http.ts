/**
 * The client SDK's one HTTP path: timeouts, retries with backoff (honouring Retry-After), the bearer
 * token, and errors rebuilt from the server's envelope as ApiError. Shared by the deployment client
 * (predict, infer) and the control-plane client. Imports only src/core, so it ships to users alone.
 */
import { LeptonError, ERROR_STATUS, type ErrorCode, type LeptonErrorOptions } from '../core/errors.js';

export interface ClientOptions {
  /** Bearer token sent as `Authorization: Bearer …`. */
  token?: string;
  /** Per-attempt timeout, ms. Default 10000. */
  timeoutMs?: number;
  /** Extra attempts for retryable failures. Default 2. */
  retries?: number;
  /** First backoff, ms; doubles each retry, with jitter. Default 100. */
  backoffMs?: number;
  /** Longest single wait, including a server's Retry-After, ms. Default 5000. */
  maxBackoffMs?: number;
  /** Injected fetch (tests, proxies). Default globalThis.fetch. */
  fetch?: typeof fetch;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Call {
  method: HttpMethod;
  /** Path and query, after the base URL. */
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** Safe to repeat after the server may have processed it. */
  idempotent: boolean;
  /** The answer is bytes (a photon archive), not JSON. */
  binary?: boolean;
}

/**
 * An error answer from the server: the envelope's code, message and details, the HTTP status it
 * came with, and the call it answered. `instanceof LeptonError` holds, so callers that catch the
 * library's errors catch these too. Failures with no answer (refused, timed out) are plain LeptonErrors.
 */
export class ApiError extends LeptonError {
  /** The HTTP status of the answer (the code's own status for every Lepton envelope). */
  readonly httpStatus: number;
  readonly method: string;
  readonly path: string;

  constructor(code: ErrorCode, message: string, call: { method: string; path: string; httpStatus: number }, options: LeptonErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ApiError';
    this.httpStatus = call.httpStatus;
    this.method = call.method;
    this.path = call.path;
  }
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERROR_STATUS;
}

/** The code for an answer that carried no Lepton envelope (a proxy's page, an old server). */
function codeForStatus(status: number): ErrorCode {
  if (status === 429) return 'LEPTON_ERR_RATE_LIMITED';
  if (status === 503) return 'LEPTON_ERR_NOT_READY';
  if (status === 404) return 'LEPTON_ERR_NOT_FOUND';
  if (status === 401) return 'LEPTON_ERR_UNAUTHENTICATED';
  if (status === 403) return 'LEPTON_ERR_FORBIDDEN';
  return 'LEPTON_ERR_UPSTREAM';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class HttpCore {
  readonly base: string;
  private readonly opts: Required<Omit<ClientOptions, 'token' | 'fetch'>> & Pick<ClientOptions, 'token'>;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `not a URL: ${baseUrl}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `base URL must be http(s): ${baseUrl}`);
    this.base = baseUrl.replace(/\/+$/, '');
    this.opts = { timeoutMs: 10_000, retries: 2, backoffMs: 100, maxBackoffMs: 5000, ...options };
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** Send `c`, retrying what is safe to retry; resolve with the parsed JSON answer. */
  async call<T>(c: Call): Promise<T> {
    let attempt = 0;
    for (;;) {
      let retryAfterMs: number | undefined;
      let err: LeptonError;
      let retryable = false;
      try {
        const res = await this.once(c);
        if (res.ok) return (c.binary === true ? new Uint8Array(await res.arrayBuffer()) : await res.json()) as T;
        err = await this.toError(res, c);
        const ra = res.headers.get('retry-after');
        if (ra !== null && /^\d+(\.\d+)?$/.test(ra)) retryAfterMs = Number(ra) * 1000;
        // 429/503 mean "not processed, come back": safe to retry even for non-idempotent calls.
        retryable = res.status === 429 || res.status === 503 || (c.idempotent && (res.status === 502 || res.status === 504));
      } catch (e) {
        err = e instanceof LeptonError ? e : new LeptonError('LEPTON_ERR_UPSTREAM', `request to ${this.base}${c.path} failed: ${(e as Error).message}`, { cause: e });
        retryable = c.idempotent;
      }
      if (!retryable || attempt >= this.opts.retries) throw err;
      const backoff = this.opts.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
      await sleep(Math.min(this.opts.maxBackoffMs, Math.max(backoff, retryAfterMs ?? 0)));
      attempt++;
    }
  }

  private async once(c: Call): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (c.contentType) headers['content-type'] = c.contentType;
    if (this.opts.token) headers['authorization'] = `Bearer ${this.opts.token}`;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.opts.timeoutMs);
    try {
      return await this.fetchImpl(this.base + c.path, { method: c.method, headers, signal: ctrl.signal, ...(c.body === undefined ? {} : { body: c.body }) });
    } catch (e) {
      if (ctrl.signal.aborted) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `no answer from ${this.base}${c.path} within ${this.opts.timeoutMs} ms`, { cause: e });
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Rebuild the server's LeptonError from its envelope (or describe a non-Lepton answer). */
  private async toError(res: Response, c: Call): Promise<ApiError> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    const ra = res.headers.get('retry-after');
    const retryAfter = ra !== null && Number.isFinite(Number(ra)) ? Number(ra) : undefined;
    const call = { method: c.method, path: c.path, httpStatus: res.status };
    const options: LeptonErrorOptions = retryAfter === undefined ? {} : { retryAfter };
    if (e && isErrorCode(e.code)) {
      if (typeof e.details === 'object' && e.details !== null) options.details = e.details as Record<string, unknown>;
      return new ApiError(e.code, typeof e.message === 'string' ? e.message : e.code, call, options);
    }
    const message = typeof e?.message === 'string' ? e.message : `HTTP ${res.status} from ${res.url || this.base + c.path}`;
    return new ApiError(codeForStatus(res.status), message, call, options);
  }
}
