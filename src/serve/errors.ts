/**
 * Every error the server sends is the envelope {"error":{"code","message"}} with the status from
 * src/core/errors.ts. This maps fastify's and its plugins' own errors (bad JSON, 413, 415, timeouts,
 * client errors) onto LEPTON_ERR_* codes, and never lets a stack trace reach a client.
 */
import { STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';
import { LeptonError, toLeptonError, type ErrorCode } from '../core/errors.js';

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

/** Convert anything thrown inside a request into a LeptonError with a client-safe message. */
export function httpError(err: unknown): LeptonError {
  if (err instanceof LeptonError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) {
    const detail = mapped === 'LEPTON_ERR_INVALID_INPUT' && e.message ? e.message : FRIENDLY[mapped] ?? e.message ?? mapped;
    return new LeptonError(mapped, detail, { cause: err });
  }
  if (err instanceof SyntaxError) return new LeptonError('LEPTON_ERR_INVALID_JSON', FRIENDLY.LEPTON_ERR_INVALID_JSON!, { cause: err });
  // Other 4xx from fastify/plugins: keep the caller's fault, with a generic code.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code: ErrorCode = e.statusCode === 413 ? 'LEPTON_ERR_PAYLOAD_TOO_LARGE' : e.statusCode === 415 ? 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE' : 'LEPTON_ERR_INVALID_ARGUMENT';
    return new LeptonError(code, e.message ?? 'bad request', { cause: err });
  }
  return toLeptonError(err);
}

/** The envelope body; internal errors get a fixed message so nothing internal leaks. */
export function envelope(err: LeptonError): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  if (err.code === 'LEPTON_ERR_INTERNAL') return { error: { code: err.code, message: 'internal error' } };
  return err.toJSON();
}

/**
 * Node reports malformed or timed-out requests (slowloris) on the socket before fastify sees them;
 * answer those with the envelope too, then close the connection.
 */
export function clientErrorResponder(replicaId: string): (err: NodeJS.ErrnoException, socket: Socket) => void {
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
      socket.write(
        `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nx-lepton-replica: ${replicaId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
