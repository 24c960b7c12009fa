/**
 * The one HTTP error writer. The model server, the front door's API (both fastify) and the gateway
 * (raw Node responses) all answer failures through here: the envelope {"error":{"code","message"}}
 * with the status from errors.ts, Retry-After / Allow / WWW-Authenticate where they apply, and
 * internal errors masked (logged with the original, never sent). It sits in core so every layer may
 * use it; fastify is imported for its types only.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LeptonError, toLeptonError, type ErrorCode, type ErrorEnvelope } from './errors.js';
import type { Logger } from './logger.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** fastify's and its plugins' own error codes → ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'LEPTON_ERR_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LEPTON_ERR_INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'LEPTON_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LEPTON_ERR_INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'LEPTON_ERR_INVALID_INPUT',
  FST_ERR_BAD_URL: 'LEPTON_ERR_INVALID_ARGUMENT',
  FST_REQ_FILE_TOO_LARGE: 'LEPTON_ERR_PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'LEPTON_ERR_PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'LEPTON_ERR_PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'LEPTON_ERR_PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'LEPTON_ERR_INVALID_INPUT',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE',
};

const FRIENDLY: Partial<Record<ErrorCode, string>> = {
  LEPTON_ERR_INVALID_JSON: 'the request body is not valid JSON',
  LEPTON_ERR_PAYLOAD_TOO_LARGE: 'the request body is larger than the server accepts',
  LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE: 'unsupported Content-Type; send application/json, application/octet-stream, image/* or multipart/form-data',
};

/** Convert anything thrown inside a request into a LeptonError; unknown throws become LEPTON_ERR_INTERNAL. */
export function httpError(err: unknown): LeptonError {
  if (err instanceof LeptonError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string } | null;
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) {
    const detail = mapped === 'LEPTON_ERR_INVALID_INPUT' && e?.message ? e.message : FRIENDLY[mapped] ?? e?.message ?? mapped;
    return new LeptonError(mapped, detail, { cause: err });
  }
  if (err instanceof SyntaxError) return new LeptonError('LEPTON_ERR_INVALID_JSON', FRIENDLY.LEPTON_ERR_INVALID_JSON!, { cause: err });
  // Other 4xx from fastify or a plugin: the caller's fault, kept with a generic code.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code: ErrorCode = e.statusCode === 413 ? 'LEPTON_ERR_PAYLOAD_TOO_LARGE' : e.statusCode === 415 ? 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE' : 'LEPTON_ERR_INVALID_ARGUMENT';
    return new LeptonError(code, e.message ?? 'bad request', { cause: err });
  }
  return toLeptonError(err);
}

/** The wire body. An internal error gets a fixed message whatever it carried, so nothing internal leaks. */
export function envelope(err: LeptonError): ErrorEnvelope {
  if (err.code === 'LEPTON_ERR_INTERNAL') return { error: { code: err.code, message: 'internal error' } };
  return err.toJSON();
}

/** Headers an error answer carries besides Content-Type; `has` says which the response already set. */
function errorHeaders(e: LeptonError, original: unknown, has: (name: string) => boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (e.retryAfter !== undefined) h['retry-after'] = String(Math.max(0, Math.ceil(e.retryAfter)));
  const allow = (original as { allow?: unknown } | null)?.allow;
  if (typeof allow === 'string') h['allow'] = allow;
  // RFC 6750 challenge on a 401, unless the auth hook already set a more precise one.
  if (e.status === 401 && !has('www-authenticate')) h['www-authenticate'] = 'Bearer realm="lepton"';
  return h;
}

/**
 * Faults of this process (500: internal, I/O, engine) are logged at error level with the original error,
 * stack included, while the client sees the masked envelope. 502-504 are load or upstream conditions
 * that metrics already count; at error level they would flood the log exactly when under overload.
 */
function logFault(log: Logger | undefined, e: LeptonError, original: unknown, url: string | undefined): void {
  if (!log || e.status < 500) return;
  if (e.status === 500) log.error({ err: original, code: e.code, url }, 'request failed');
  else log.debug({ code: e.code, url, message: e.message }, 'request refused');
}

/** Answer a raw Node response with the envelope (the gateway's path, which bypasses fastify). */
export function sendError(res: ServerResponse, err: unknown, log?: Logger, url?: string): void {
  const e = httpError(err);
  logFault(log, e, err, url);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(envelope(e));
  res.writeHead(e.status, {
    ...errorHeaders(e, err, (n) => res.hasHeader(n)),
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Answer a fastify reply with the envelope. */
export function replyError(reply: FastifyReply, err: unknown, log?: Logger, url?: string): void {
  const e = httpError(err);
  logFault(log, e, err, url);
  void reply
    .code(e.status)
    .headers(errorHeaders(e, err, (n) => reply.hasHeader(n)))
    .type(JSON_TYPE)
    .send(envelope(e));
}

export interface FastifyErrorsOptions {
  log?: Logger;
  /** Installs the 404 handler; the hint ends its message (`no route GET /x; <hint>`). */
  notFoundHint?: string;
  /** Sent on answers that skip the request hooks (frameworkErrors), e.g. x-lepton-replica. */
  headers?: Record<string, string>;
}

/**
 * For the Fastify constructor's `frameworkErrors`: router failures (a bad %-escape in a path) that
 * happen before any hook runs get the envelope too, not fastify's own body.
 */
export function frameworkErrors(options: FastifyErrorsOptions = {}): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    if (options.headers) void reply.headers(options.headers);
    replyError(reply, err, options.log, req.url);
  };
}

/** setErrorHandler (and, with a hint, setNotFoundHandler) writing the envelope. */
export function installFastifyErrors(app: FastifyInstance, options: FastifyErrorsOptions = {}): void {
  app.setErrorHandler((err, req, reply) => replyError(reply, err, options.log, req.url));
  const hint = options.notFoundHint;
  if (hint !== undefined) {
    app.setNotFoundHandler((req, reply) => {
      replyError(reply, new LeptonError('LEPTON_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}; ${hint}`), options.log, req.url);
    });
  }
}

/**
 * For http.Server 'clientError': Node reports malformed or timed-out requests (slowloris) on the
 * socket before any framework sees them; answer those with the envelope too, then close.
 */
export function clientErrorResponder(headers: Record<string, string> = {}): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let code: ErrorCode = 'LEPTON_ERR_INVALID_ARGUMENT';
    let message = 'malformed HTTP request';
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      code = 'LEPTON_ERR_REQUEST_TIMEOUT';
      message = 'the request was not received in time';
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      code = 'LEPTON_ERR_PAYLOAD_TOO_LARGE';
      message = 'request headers are too large';
    }
    const e = new LeptonError(code, message);
    const body = JSON.stringify(envelope(e));
    if (socket.writable) {
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(
        `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
