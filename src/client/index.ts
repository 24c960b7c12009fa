/**
 * The typed client SDK for Lepton deployments (`lepton-ts/client`): predict, OIP infer, health,
 * with timeouts and retries. It imports only src/core, so it ships to users alone.
 */
import { LeptonError, ERROR_STATUS, type ErrorCode } from '../core/errors.js';

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

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

export interface PredictResponse {
  predictions: Prediction[];
  model: string;
  outputs?: Record<string, { dims: number[]; data: number[] }>;
}

export interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: OipTensor[];
}

export interface HealthResponse {
  status: string;
  ready: boolean;
  model: string;
  queueDepth: number;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** Safe to repeat after the server may have processed it. */
  idempotent: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERROR_STATUS;
}

export class Client {
  private readonly base: string;
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

  /**
   * Predict rows (`[[…], …]` or one flat row), a Float32Array of whole rows (sent as binary), or image
   * bytes with their content type. Prediction is read-only on the server, so it is retried.
   */
  predict(input: number[][] | number[] | Float32Array | { image: Uint8Array; contentType: string }, options: { raw?: boolean } = {}): Promise<PredictResponse> {
    const path = `/predict${options.raw ? '?raw=1' : ''}`;
    if (input instanceof Float32Array) {
      return this.call({ method: 'POST', path, body: new Uint8Array(input.buffer, input.byteOffset, input.byteLength), contentType: 'application/octet-stream', idempotent: true });
    }
    if (!Array.isArray(input)) return this.call({ method: 'POST', path, body: input.image, contentType: input.contentType, idempotent: true });
    const rows = input.length > 0 && Array.isArray(input[0]) ? input : [input];
    return this.call({ method: 'POST', path, body: JSON.stringify({ inputs: rows }), contentType: 'application/json', idempotent: true });
  }

  /** Open Inference Protocol v2 `infer` on `model`. */
  infer(model: string, inputs: OipTensor[], options: { id?: string; outputs?: string[] } = {}): Promise<InferResponse> {
    const body = { ...(options.id ? { id: options.id } : {}), inputs, ...(options.outputs ? { outputs: options.outputs.map((name) => ({ name })) } : {}) };
    return this.call({ method: 'POST', path: `/v2/models/${encodeURIComponent(model)}/infer`, body: JSON.stringify(body), contentType: 'application/json', idempotent: true });
  }

  /** GET /healthz. A draining replica answers 503, reported as LEPTON_ERR_NOT_READY. */
  health(): Promise<HealthResponse> {
    return this.call({ method: 'GET', path: '/healthz', idempotent: true });
  }

  /** OIP model metadata. */
  modelMetadata(model: string): Promise<unknown> {
    return this.call({ method: 'GET', path: `/v2/models/${encodeURIComponent(model)}`, idempotent: true });
  }

  private async call<T>(c: Call): Promise<T> {
    let attempt = 0;
    for (;;) {
      let retryAfterMs: number | undefined;
      let err: LeptonError;
      let retryable = false;
      try {
        const res = await this.once(c);
        if (res.ok) return (await res.json()) as T;
        err = await this.toError(res);
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
      if (ctrl.signal.aborted) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `no answer from ${this.base}${c.path} within ${this.opts.timeoutMs} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Rebuild the server's LeptonError from its envelope (or describe a non-Lepton answer). */
  private async toError(res: Response): Promise<LeptonError> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    const ra = res.headers.get('retry-after');
    const retryAfter = ra !== null && Number.isFinite(Number(ra)) ? Number(ra) : undefined;
    if (e && isErrorCode(e.code)) {
      return new LeptonError(e.code, typeof e.message === 'string' ? e.message : e.code, {
        ...(typeof e.details === 'object' && e.details !== null ? { details: e.details as Record<string, unknown> } : {}),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }
    const code: ErrorCode = res.status === 429 ? 'LEPTON_ERR_RATE_LIMITED' : res.status === 503 ? 'LEPTON_ERR_NOT_READY' : res.status === 404 ? 'LEPTON_ERR_NOT_FOUND' : 'LEPTON_ERR_UPSTREAM';
    return new LeptonError(code, `HTTP ${res.status} from ${res.url}`, retryAfter === undefined ? {} : { retryAfter });
  }
}

export { LeptonError } from '../core/errors.js';
